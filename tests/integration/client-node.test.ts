import {
  createKeyholdClient,
  createMemoryCookieStore,
  KeyholdError,
  type KeyholdClient,
  type KeyholdEvents,
} from '../../packages/client/src';
import { RefreshTokenModel } from '../../src/modules/sessions/refresh-token.model';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { createTestClock, useTestApp } from '../support/context';
import { buildUser, totpCode, type TestUser } from '../support/factories';
import { useListeningServer } from '../support/listening';

const PARALLEL_CALLS = 20;
const ACCESS_TTL_MS = 5 * 60_000;

/** @keyhold/client in Node against a listening Keyhold, with a cookie store as its cookie jar. */
describe('@keyhold/client in Node', () => {
  const clock = createTestClock();
  const ctx = useTestApp({}, { clock: clock.now });
  const server = useListeningServer(ctx);
  let user: TestUser;

  beforeEach(async () => {
    user = await buildUser(ctx.container);
  });

  /** A client whose fetch counts the refreshes it sends (the server's own count is the refresh-token collection). */
  function newClient(cookieStore = createMemoryCookieStore()) {
    const sent = { refreshes: 0 };
    const events: { name: keyof KeyholdEvents; payload: unknown }[] = [];
    const client = createKeyholdClient({
      baseUrl: server.url,
      cookieStore,
      fetch: (input, init) => {
        if (String(input).endsWith('/api/v1/auth/refresh')) sent.refreshes += 1;
        return fetch(input, init);
      },
    });
    for (const name of ['signedIn', 'signedOut', 'tokenRefreshed'] as const) {
      client.on(name, (payload) => events.push({ name, payload }));
    }
    return { client, cookieStore, sent, events };
  }

  async function signIn(client: KeyholdClient): Promise<string> {
    const result = await client.login({ email: user.email, password: user.password });
    if (result.status !== 'signedIn') throw new Error(`expected a sign-in, got ${result.status}`);
    return result.session.id;
  }

  const tokensOf = (sessionId: string) => RefreshTokenModel.find({ sessionId }).lean();

  it('when it signs in, then the session exists, the refresh cookie sits in the store and bearer calls work', async () => {
    const { client, cookieStore, events } = newClient();
    const sessionId = await signIn(client);

    const me = await client.me();
    expect(me).toEqual({
      user: expect.objectContaining({ id: user.id, email: user.email }),
      session: expect.objectContaining({ id: sessionId, current: true }),
    });
    expect(await cookieStore.get(`${server.url}/api/v1/auth/refresh`)).toMatch(/refreshToken=[^;]+/);
    expect(await cookieStore.get(`${server.url}/api/v1/me`)).toBeUndefined();
    expect(await SessionModel.findById(sessionId).lean()).toMatchObject({ revokedAt: null });
    expect(events).toEqual([{ name: 'signedIn', payload: expect.objectContaining({ fromOtherTab: false }) }]);
  });

  it(`when the access token has expired and ${PARALLEL_CALLS} calls run at once, then one refresh serves them all and the session lives on`, async () => {
    const { client, sent, events } = newClient();
    const sessionId = await signIn(client);
    clock.advance(ACCESS_TTL_MS + 1000);

    const results = await Promise.all(
      Array.from({ length: PARALLEL_CALLS }, (_, i) => (i % 2 === 0 ? client.api.getMe() : client.api.listMySessions())),
    );

    expect(results).toHaveLength(PARALLEL_CALLS);
    expect(sent.refreshes).toBe(1);
    const tokens = await tokensOf(sessionId);
    // The login's token, spent once, and its one successor, unused.
    expect(tokens.map((token) => token.usedAt === null).sort()).toEqual([false, true]);
    expect(await SessionModel.findById(sessionId).lean()).toMatchObject({ revokedAt: null });
    expect(events.filter((event) => event.name === 'tokenRefreshed')).toHaveLength(1);
    expect(events.some((event) => event.name === 'signedOut')).toBe(false);
  });

  it('when the session was revoked and the token has expired, then one refresh is tried, every call fails and signedOut comes once', async () => {
    const { client, sent, events } = newClient();
    const sessionId = await signIn(client);
    await SessionModel.updateOne({ _id: sessionId }, { revokedAt: new Date() });
    clock.advance(ACCESS_TTL_MS + 1000);

    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => client.api.getMe()));

    expect(sent.refreshes).toBe(1);
    expect(outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as KeyholdError).code)).toEqual(
      Array(10).fill('TOKEN_EXPIRED'),
    );
    expect(events.filter((event) => event.name === 'signedOut')).toEqual([
      { name: 'signedOut', payload: { reason: 'refreshFailed', code: expect.stringMatching(/^REFRESH_TOKEN_INVALID|SESSION_REVOKED$/) } },
    ]);
    expect(client.signedIn).toBe(false);
    // Signed out: later calls go out without a token and are refused, with no further refresh.
    await expect(client.api.getMe()).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(sent.refreshes).toBe(1);
  });

  it('when a call answers SESSION_REVOKED, then the client signs out without trying a refresh', async () => {
    const { client, sent, events } = newClient();
    const sessionId = await signIn(client);
    await SessionModel.updateOne({ _id: sessionId }, { revokedAt: new Date() });

    await expect(client.api.getMe()).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' });

    expect(sent.refreshes).toBe(0);
    expect(events.at(-1)).toEqual({ name: 'signedOut', payload: { reason: 'sessionRevoked', code: 'SESSION_REVOKED' } });
  });

  it('when a new client starts with the cookie store of a signed-in one, then restore() signs it in with one refresh', async () => {
    const first = newClient();
    const sessionId = await signIn(first.client);
    const second = newClient(first.cookieStore);

    const restored = await second.client.restore();

    expect(restored).toEqual({
      status: 'signedIn',
      user: expect.objectContaining({ id: user.id }),
      session: expect.objectContaining({ id: sessionId }),
    });
    expect(second.sent.refreshes).toBe(1);
    expect(second.events.map((event) => event.name)).toEqual(['tokenRefreshed', 'signedIn']);
  });

  it('when a client without a refresh cookie restores, then it is signed out after one refresh attempt', async () => {
    const { client, sent, events } = newClient();
    expect(await client.restore()).toEqual({ status: 'signedOut' });
    expect(await client.restore()).toEqual({ status: 'signedOut' });
    expect(sent.refreshes).toBe(1);
    expect(events).toEqual([{ name: 'signedOut', payload: { reason: 'refreshFailed', code: 'REFRESH_TOKEN_INVALID' } }]);
  });

  it('when it logs out, then the session is revoked, the cookie is gone and a restore finds no session', async () => {
    const { client, cookieStore, events } = newClient();
    const sessionId = await signIn(client);

    await client.logout();

    expect(await SessionModel.findById(sessionId).lean()).toMatchObject({ revokedAt: expect.any(Date) });
    expect(await cookieStore.get(`${server.url}/api/v1/auth/refresh`)).not.toMatch(/refreshToken=/);
    expect(events.at(-1)).toEqual({ name: 'signedOut', payload: { reason: 'logout' } });
    expect(await newClient(cookieStore).client.restore()).toEqual({ status: 'signedOut' });
  });

  it('when one device signs out everywhere, then every session ends and the other device signs out on its next call', async () => {
    const laptop = newClient();
    const phone = newClient();
    const sessionIds = [await signIn(laptop.client), await signIn(phone.client)];

    await laptop.client.logoutAll();

    expect(await SessionModel.find({ _id: { $in: sessionIds }, revokedAt: null }).lean()).toEqual([]);
    expect(laptop.events.at(-1)).toEqual({ name: 'signedOut', payload: { reason: 'logout' } });
    await expect(phone.client.api.listMySessions()).rejects.toMatchObject({ status: 401, code: 'SESSION_REVOKED' });
    expect(phone.events.at(-1)).toEqual({ name: 'signedOut', payload: { reason: 'sessionRevoked', code: 'SESSION_REVOKED' } });
    expect(phone.sent.refreshes).toBe(0);
  });

  it('when the account has MFA, then login asks for the code and verify() signs in with an otp session', async () => {
    const { client } = newClient();
    await signIn(client);
    const { secret } = await client.startTotpEnrolment(user.password);
    const recoveryCodes = await client.confirmTotpEnrolment(totpCode(secret, 0, clock.now().getTime()));
    expect(recoveryCodes).toHaveLength(10);
    await client.logout();

    const step = await client.login({ email: user.email, password: user.password });
    if (step.status !== 'mfaRequired') throw new Error('expected the MFA step');
    await expect(step.verify('000000')).rejects.toMatchObject({ status: 400, code: 'MFA_CODE_INVALID' });
    const signedIn = await step.verify(recoveryCodes[0]!);

    expect(signedIn.session.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
    expect(await client.listSessions()).toEqual([expect.objectContaining({ id: signedIn.session.id, current: true })]);
  });

  it('when a request is invalid, then it rejects with a typed KeyholdError carrying the field problems', async () => {
    const { client } = newClient();
    const error = await client.register({ email: 'not-an-address', password: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeyholdError);
    expect(error).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: expect.arrayContaining([expect.objectContaining({ path: 'email' })]),
    });
  });
});
