import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { requireKeyholdToken } from '../src/index.js';
import { arrange, assertAccepted } from './support/arrange.js';
import type { MiddlewareOptions } from './support/arrange.js';
import { CHALLENGE, assertProblem } from './support/assert-problem.js';
import { AUDIENCE, closedPort, createSigningKey, signAccessToken, sleep } from './support/fake-keyhold.js';
import type { SigningKey } from './support/fake-keyhold.js';
import { startResourceServer } from './support/resource-server.js';

let keyA: SigningKey;
let keyB: SigningKey;
let keyC: SigningKey;

before(async () => {
  [keyA, keyB, keyC] = await Promise.all([createSigningKey(), createSigningKey(), createSigningKey('RS256')]);
});

describe('requireKeyholdToken: key rotation and revocation', () => {
  it('when Keyhold rotates twice (the second time to RS256), then each unknown kid triggers one refetch and its tokens are accepted', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA], { cooldownMs: 100 });
    await assertAccepted(api, await signAccessToken(keyA, keyhold.issuer));
    assert.equal(keyhold.fetches, 1);

    keyhold.publish(keyB);
    await sleep(150);
    await assertAccepted(api, await signAccessToken(keyB, keyhold.issuer));
    await assertAccepted(api, await signAccessToken(keyB, keyhold.issuer));
    assert.equal(keyhold.fetches, 2);

    keyhold.publish(keyC);
    keyhold.unpublish(keyA.kid);
    await sleep(150);
    await assertAccepted(api, await signAccessToken(keyC, keyhold.issuer));
    await assertAccepted(api, await signAccessToken(keyB, keyhold.issuer));
    assert.equal(keyhold.fetches, 3);
    await assertProblem(await api.getWithToken(await signAccessToken(keyA, keyhold.issuer)), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
  });

  it('when a new kid arrives within the cooldown, then 401 without a fetch, and after the cooldown one fetch lets it in', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA], { cooldownMs: 1_000 });
    const tokenB = await signAccessToken(keyB, keyhold.issuer);
    await assertAccepted(api, await signAccessToken(keyA, keyhold.issuer));
    keyhold.publish(keyB);

    await assertProblem(await api.getWithToken(tokenB), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
    assert.equal(keyhold.fetches, 1);

    await sleep(1_050);
    await assertAccepted(api, tokenB);
    assert.equal(keyhold.fetches, 2);
  });

  it('when a flood of unknown kids arrives, then Keyhold is fetched at most once per cooldown', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA], { cooldownMs: 1_000 });
    const unknownKids = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signAccessToken(keyA, keyhold.issuer, { header: { kid: `made-up-${i}` } })),
    );
    const flood = () => Promise.all(unknownKids.map(async (token) => (await api.getWithToken(token)).status));
    await assertAccepted(api, await signAccessToken(keyA, keyhold.issuer));

    assert.deepEqual(new Set(await flood()), new Set([401]));
    assert.equal(keyhold.fetches, 1, 'within the cooldown of the first fetch: no fetch');

    await sleep(1_050);
    assert.deepEqual(new Set(await flood()), new Set([401]));
    assert.equal(keyhold.fetches, 2, 'after the cooldown: one fetch for the whole flood');
    assert.deepEqual(new Set(await flood()), new Set([401]));
    assert.equal(keyhold.fetches, 2, 'and none in the new cooldown');
  });

  it('when a key is revoked, then its tokens pass until the cache is older than cacheMaxAge, and fail after', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA, keyB], { cacheMaxAge: 1_000 });
    const tokenA = await signAccessToken(keyA, keyhold.issuer);
    await assertAccepted(api, tokenA);

    keyhold.unpublish(keyA.kid);
    await assertAccepted(api, tokenA);
    assert.equal(keyhold.fetches, 1, 'the cached key set still holds the revoked key');

    await sleep(1_050);
    await assertProblem(await api.getWithToken(tokenA), 401, 'TOKEN_INVALID', CHALLENGE.invalid);
    assert.equal(keyhold.fetches, 2);
    await assertAccepted(api, await signAccessToken(keyB, keyhold.issuer));
    assert.equal(keyhold.fetches, 2);
  });
});

describe('requireKeyholdToken: Keyhold unreachable (503)', () => {
  async function arrangeDown(t: TestContext, options: MiddlewareOptions = {}) {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const api = await startResourceServer(requireKeyholdToken({ issuer, audience: AUDIENCE, ...options }));
    t.after(() => api.close());
    return { issuer, api };
  }

  it('when nothing listens at the JWKS URL, then 503 SERVICE_UNAVAILABLE at once with Retry-After', async (t) => {
    const { issuer, api } = await arrangeDown(t);
    const started = performance.now();

    const response = await api.getWithToken(await signAccessToken(keyA, issuer));

    assert.equal(response.headers.get('retry-after'), '1');
    await assertProblem(response, 503, 'SERVICE_UNAVAILABLE', null);
    assert.ok(performance.now() - started < 2_000, 'answers promptly');
  });

  it('when the JWKS server accepts but never answers, then 503 once fetchTimeoutMs has passed', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA], { fetchTimeoutMs: 300 });
    keyhold.mode = 'hang';
    const started = performance.now();

    const response = await api.getWithToken(await signAccessToken(keyA, keyhold.issuer));

    await assertProblem(response, 503, 'SERVICE_UNAVAILABLE', null);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3_000, `answered after ${Math.round(elapsed)} ms`);
  });

  it('when the JWKS answers 500, then 503; further requests within the backoff do not call Keyhold; it recovers', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);
    keyhold.mode = 'error';
    const token = await signAccessToken(keyA, keyhold.issuer);

    await assertProblem(await api.getWithToken(token), 503, 'SERVICE_UNAVAILABLE', null);
    await assertProblem(await api.getWithToken(token), 503, 'SERVICE_UNAVAILABLE', null);
    assert.equal(keyhold.fetches, 1);

    keyhold.mode = 'up';
    await sleep(1_050);
    await assertAccepted(api, token);
    assert.equal(keyhold.fetches, 2);
  });

  it('when the JWKS URL answers 200 with something that is not a key set, then 503', async (t) => {
    const { keyhold, api } = await arrange(t, [keyA]);
    keyhold.mode = 'not-a-key-set';

    await assertProblem(await api.getWithToken(await signAccessToken(keyA, keyhold.issuer)), 503, 'SERVICE_UNAVAILABLE', null);
  });
});
