import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { requireKeyholdToken } from '../../src/index.js';
import type { KeyholdRole, KeyholdVerifierOptions } from '../../src/index.js';
import { AUDIENCE, startFakeKeyhold } from './fake-keyhold.js';
import type { SigningKey } from './fake-keyhold.js';
import { startResourceServer } from './resource-server.js';
import type { TestResourceServer } from './resource-server.js';

export type MiddlewareOptions = Omit<KeyholdVerifierOptions, 'issuer' | 'audience'> & { roles?: readonly KeyholdRole[] };

/** A fake Keyhold publishing `published`, and an Express app behind the middleware; both closed after the test. */
export async function arrange(t: TestContext, published: SigningKey[], options: MiddlewareOptions = {}) {
  const keyhold = await startFakeKeyhold(...published);
  const api = await startResourceServer(requireKeyholdToken({ issuer: keyhold.issuer, audience: AUDIENCE, ...options }));
  t.after(async () => {
    await api.close();
    await keyhold.close();
  });
  return { keyhold, api };
}

/** Asserts a 200 and returns the `req.auth` the route saw. */
export async function assertAccepted(api: TestResourceServer, token: string): Promise<Record<string, unknown>> {
  const response = await api.getWithToken(token);
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { auth: Record<string, unknown> }).auth;
}
