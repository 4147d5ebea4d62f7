import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { KeyholdTokenError, createKeyholdVerifier, problemResponseOf } from '../src/index.js';
import type { KeyholdVerifierOptions } from '../src/index.js';
import { AUDIENCE, createSigningKey, signAccessToken, startFakeKeyhold } from './support/fake-keyhold.js';
import type { SigningKey } from './support/fake-keyhold.js';

let key: SigningKey;

before(async () => {
  key = await createSigningKey();
});

async function arrange(t: TestContext, options: Partial<KeyholdVerifierOptions> = {}) {
  const keyhold = await startFakeKeyhold(key);
  t.after(() => keyhold.close());
  return { keyhold, verifier: createKeyholdVerifier({ issuer: keyhold.issuer, audience: AUDIENCE, ...options }) };
}

async function rejectionOf(promise: Promise<unknown>): Promise<KeyholdTokenError> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof KeyholdTokenError, String(error));
  return error;
}

describe('createKeyholdVerifier: options', () => {
  it('when the issuer ends with slashes, then the JWKS URL has exactly one slash before .well-known', () => {
    for (const issuer of ['https://auth.example.com', 'https://auth.example.com/', 'https://auth.example.com//']) {
      assert.equal(createKeyholdVerifier({ issuer, audience: AUDIENCE }).jwksUri, 'https://auth.example.com/.well-known/jwks.json');
    }
    const withPath = createKeyholdVerifier({ issuer: 'https://example.com/auth/', audience: AUDIENCE });
    assert.equal(withPath.jwksUri, 'https://example.com/auth/.well-known/jwks.json');
  });

  it('when jwksUri is given, then it is used as is', () => {
    const verifier = createKeyholdVerifier({ issuer: 'https://auth.example.com', audience: AUDIENCE, jwksUri: 'http://keyhold:3000/keys' });
    assert.equal(verifier.jwksUri, 'http://keyhold:3000/keys');
  });

  it('when clockToleranceSeconds is above 30 or negative, then creating the verifier throws', () => {
    for (const clockToleranceSeconds of [31, 300, -1, Number.NaN]) {
      assert.throws(() => createKeyholdVerifier({ issuer: 'https://a.example', audience: AUDIENCE, clockToleranceSeconds }), RangeError);
    }
  });

  it('when issuer, audience or jwksUri are unusable, then creating the verifier throws', () => {
    assert.throws(() => createKeyholdVerifier({ issuer: '', audience: AUDIENCE }), TypeError);
    assert.throws(() => createKeyholdVerifier({ issuer: 'https://a.example', audience: [] }), TypeError);
    assert.throws(() => createKeyholdVerifier({ issuer: 'not a url', audience: AUDIENCE }), TypeError);
    assert.throws(
      () => createKeyholdVerifier({ issuer: 'https://a.example', audience: AUDIENCE, jwksUri: 'file:///etc/passwd' }),
      TypeError,
    );
    assert.throws(() => createKeyholdVerifier({ issuer: 'https://a.example', audience: AUDIENCE, fetchTimeoutMs: 0 }), RangeError);
  });
});

describe('KeyholdVerifier.verify', () => {
  it('when the token is valid, then it resolves to its claims', async (t) => {
    const { keyhold, verifier } = await arrange(t);

    const claims = await verifier.verify(await signAccessToken(key, keyhold.issuer, { claims: { role: 'admin', amr: ['pwd', 'otp'] } }));

    assert.equal(claims.iss, keyhold.issuer);
    assert.equal(claims.aud, AUDIENCE);
    assert.equal(claims.role, 'admin');
    assert.deepEqual(claims.amr, ['pwd', 'otp']);
    assert.equal(typeof claims.jti, 'string');
  });

  it('when the audience option lists several, then a token for any of them is accepted', async (t) => {
    const { keyhold, verifier } = await arrange(t, { audience: ['reports-api', AUDIENCE] });

    await verifier.verify(await signAccessToken(key, keyhold.issuer));
  });

  it('when clockToleranceSeconds is 0, then a token expired 5 s ago is refused with TOKEN_EXPIRED', async (t) => {
    const { keyhold, verifier } = await arrange(t, { clockToleranceSeconds: 0 });

    const error = await rejectionOf(verifier.verify(await signAccessToken(key, keyhold.issuer, { expiresIn: -5 })));

    assert.equal(error.code, 'TOKEN_EXPIRED');
    assert.equal(error.status, 401);
  });

  it('when the token is not yet valid (nbf beyond the skew), then TOKEN_INVALID', async (t) => {
    const { keyhold, verifier } = await arrange(t);
    const nbf = Math.floor(Date.now() / 1000) + 120;

    const error = await rejectionOf(verifier.verify(await signAccessToken(key, keyhold.issuer, { claims: { nbf } })));

    assert.equal(error.code, 'TOKEN_INVALID');
  });

  it('when the token is longer than maxTokenLength, then TOKEN_INVALID without fetching keys', async (t) => {
    const { keyhold, verifier } = await arrange(t, { maxTokenLength: 100 });

    const error = await rejectionOf(verifier.verify(await signAccessToken(key, keyhold.issuer)));

    assert.equal(error.code, 'TOKEN_INVALID');
    assert.equal(keyhold.fetches, 0);
  });

  it('when the key set cannot be fetched, then SERVICE_UNAVAILABLE with a retry hint', async (t) => {
    const { keyhold, verifier } = await arrange(t);
    keyhold.mode = 'error';

    const error = await rejectionOf(verifier.verify(await signAccessToken(key, keyhold.issuer)));

    assert.equal(error.code, 'SERVICE_UNAVAILABLE');
    assert.equal(error.status, 503);
    assert.equal(error.retryAfterSeconds, 1);
    assert.deepEqual(problemResponseOf(error).headers, {
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
      'Retry-After': '1',
    });
  });
});
