import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SignJWT, base64url } from 'jose';
import { arrange, assertAccepted } from './support/arrange.js';
import { CHALLENGE, assertProblem } from './support/assert-problem.js';
import { AUDIENCE, createSigningKey, signAccessToken } from './support/fake-keyhold.js';
import type { SigningKey } from './support/fake-keyhold.js';

let keyA: SigningKey;
let keyB: SigningKey;
let rsaKey: SigningKey;

before(async () => {
  [keyA, keyB, rsaKey] = await Promise.all([createSigningKey(), createSigningKey(), createSigningKey('RS256')]);
});

describe('requireKeyholdToken: valid tokens', () => {
  it('when an ES256 token from Keyhold is sent, then 200 and req.auth carries user, session, role and amr', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);
    const token = await signAccessToken(keyA, keyhold.issuer, { claims: { role: 'moderator', amr: ['pwd', 'otp'] } });

    const auth = await assertAccepted(api, token);

    assert.equal(auth.userId, '665f1c2e8a1b2c3d4e5f6a7b');
    assert.equal(auth.sessionId, '665f1c2e8a1b2c3d4e5f6a7c');
    assert.equal(auth.role, 'moderator');
    assert.deepEqual(auth.amr, ['pwd', 'otp']);
    assert.equal((auth.claims as Record<string, unknown>).iss, keyhold.issuer);
    assert.equal(keyhold.fetches, 1);
  });

  it('when an RS256 token is sent, then 200', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA, rsaKey]);

    const auth = await assertAccepted(api, await signAccessToken(rsaKey, keyhold.issuer));

    assert.equal(auth.role, 'user');
  });

  it('when the scheme is written "bearer", then it is accepted (schemes are case-insensitive)', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);

    const response = await api.get({ authorization: `bearer ${await signAccessToken(keyA, keyhold.issuer)}` });

    assert.equal(response.status, 200);
  });

  it('when the token expired 20 s ago (within the 30 s clock skew), then 200', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);

    await assertAccepted(api, await signAccessToken(keyA, keyhold.issuer, { expiresIn: -20 }));
  });

  it('when many requests arrive together on a cold cache, then Keyhold is asked once', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);
    const token = await signAccessToken(keyA, keyhold.issuer);

    const responses = await Promise.all(Array.from({ length: 20 }, () => api.getWithToken(token)));

    assert.deepEqual(new Set(responses.map((response) => response.status)), new Set([200]));
    assert.equal(keyhold.fetches, 1);
  });
});

describe('requireKeyholdToken: missing and refused tokens (401)', () => {
  it('when no Authorization header is sent, then 401 UNAUTHENTICATED with a bare Bearer challenge', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);

    await assertProblem(await api.get(), 401, 'UNAUTHENTICATED', CHALLENGE.bare);
    assert.equal(keyhold.fetches, 0);
  });

  it('when another scheme or an empty Bearer is sent, then 401 UNAUTHENTICATED', async (t) => {
    const { api } = await arrange(t, [keyA]);

    await assertProblem(await api.get({ authorization: 'Basic dXNlcjpwYXNz' }), 401, 'UNAUTHENTICATED', CHALLENGE.bare);
    await assertProblem(await api.get({ authorization: 'Bearer ' }), 401, 'UNAUTHENTICATED', CHALLENGE.bare);
  });

  it('when the token is not a JWT, then 401 TOKEN_INVALID with error="invalid_token"', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);

    await assertProblem(await api.getWithToken('not-a-jwt'), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
    await assertProblem(await api.get({ authorization: 'Bearer a b' }), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
    assert.equal(keyhold.fetches, 0);
  });

  it('when the token expired 40 s ago (beyond the skew), then 401 TOKEN_EXPIRED', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);

    const response = await api.getWithToken(await signAccessToken(keyA, keyhold.issuer, { expiresIn: -40 }));

    await assertProblem(response, 401, 'TOKEN_EXPIRED', CHALLENGE.expired);
  });

  const wrongTokens: Array<[string, (issuer: string) => Promise<string>]> = [
    ['another issuer', (issuer) => signAccessToken(keyA, issuer, { claims: { iss: 'https://evil.example' } })],
    ['the issuer with a trailing slash', (issuer) => signAccessToken(keyA, issuer, { claims: { iss: `${issuer}/` } })],
    ['another audience', (issuer) => signAccessToken(keyA, issuer, { claims: { aud: 'billing-api' } })],
    ['typ "JWT" (an ID token or other JWT, not an access token)', (issuer) => signAccessToken(keyA, issuer, { header: { typ: 'JWT' } })],
    ['no typ', (issuer) => signAccessToken(keyA, issuer, { header: { typ: undefined } })],
    ['no sid', (issuer) => signAccessToken(keyA, issuer, { claims: { sid: undefined } })],
    ['no sub', (issuer) => signAccessToken(keyA, issuer, { claims: { sub: undefined } })],
    ['no exp', (issuer) => signAccessToken(keyA, issuer, { claims: { exp: undefined } })],
    ['a role that is not a string', (issuer) => signAccessToken(keyA, issuer, { claims: { role: ['admin'] } })],
    ['no kid', (issuer) => signAccessToken(keyA, issuer, { header: { kid: undefined } })],
  ];
  for (const [what, makeToken] of wrongTokens) {
    it(`when the token has ${what}, then 401 TOKEN_INVALID`, async (t) => {
      const { keyhold, api } = await arrange(t, [keyA]);

      await assertProblem(await api.getWithToken(await makeToken(keyhold.issuer)), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
    });
  }

  it('when the payload was changed after signing, then 401 TOKEN_INVALID', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);
    const [header, , signature] = (await signAccessToken(keyA, keyhold.issuer)).split('.');
    const forged = base64url.encode(JSON.stringify({ iss: keyhold.issuer, aud: AUDIENCE, sub: 'x', sid: 'y', role: 'admin', exp: 9e9 }));

    await assertProblem(await api.getWithToken(`${header}.${forged}.${signature}`), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
  });

  it('when the token is unsigned (alg "none"), then 401 TOKEN_INVALID without fetching keys', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: keyA.kid }));
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url.encode(
      JSON.stringify({ iss: keyhold.issuer, aud: AUDIENCE, sub: 'u', sid: 's', role: 'admin', exp: now + 300 }),
    );

    await assertProblem(await api.getWithToken(`${header}.${payload}.`), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
    assert.equal(keyhold.fetches, 0);
  });

  it('when the token is HS256 signed with the published public key as the secret, then 401 TOKEN_INVALID', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);
    const now = Math.floor(Date.now() / 1000);
    const secret = new TextEncoder().encode(JSON.stringify(keyA.publicJwk));
    const token = await new SignJWT({ iss: keyhold.issuer, aud: AUDIENCE, sub: 'u', sid: 's', role: 'admin', exp: now + 300 })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: keyA.kid })
      .sign(secret);

    await assertProblem(await api.getWithToken(token), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
    assert.equal(keyhold.fetches, 0);
  });

  it('when the token is signed by a key Keyhold never published, then 401 TOKEN_INVALID', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);

    await assertProblem(await api.getWithToken(await signAccessToken(keyB, keyhold.issuer)), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
  });

  it('when the token is signed by a known key but names another kid, then 401 TOKEN_INVALID', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA, keyB]);
    const token = await signAccessToken(keyA, keyhold.issuer, { header: { kid: keyB.kid } });

    await assertProblem(await api.getWithToken(token), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
  });

  it('when a validly signed token is longer than maxTokenLength, then 401 TOKEN_INVALID before it is parsed', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);
    const token = await signAccessToken(keyA, keyhold.issuer, { claims: { padding: 'x'.repeat(4_000) } });
    assert.ok(token.length > 4_096);

    await assertProblem(await api.getWithToken(token), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
    assert.equal(keyhold.fetches, 0);
  });
});

describe('requireKeyholdToken: roles (403)', () => {
  it('when roles are ["admin"] and the token says "user", then 403 FORBIDDEN without a challenge', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA], { roles: ['admin'] });

    await assertProblem(await api.getWithToken(await signAccessToken(keyA, keyhold.issuer)), 403, 'FORBIDDEN', null);
  });

  it('when roles are ["admin"] and the token has no role, then 403 FORBIDDEN', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA], { roles: ['admin'] });
    const token = await signAccessToken(keyA, keyhold.issuer, { claims: { role: undefined } });

    await assertProblem(await api.getWithToken(token), 403, 'FORBIDDEN', null);
  });

  it('when roles are ["admin"] and the token says "admin", then 200', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA], { roles: ['admin'] });

    const auth = await assertAccepted(api, await signAccessToken(keyA, keyhold.issuer, { claims: { role: 'admin' } }));

    assert.equal(auth.role, 'admin');
  });

  it('when roles are ["admin"] and the token is invalid, then 401 (authentication comes first)', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA], { roles: ['admin'] });
    const token = await signAccessToken(keyA, keyhold.issuer, { claims: { role: 'admin' }, expiresIn: -60 });

    await assertProblem(await api.getWithToken(token), 401, 'TOKEN_EXPIRED', CHALLENGE.expired);
  });
});
