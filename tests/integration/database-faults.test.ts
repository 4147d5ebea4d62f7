import mongoose from 'mongoose';
import { hashRefreshToken } from '../../src/modules/sessions/refresh-token';
import { startOwnDatabase, type OwnDatabase } from '../support/own-database';
import { DEFAULT_PASSWORD, uniqueEmail } from '../support/factories';
import { timedRequest, waitForStatus, type TimedResponse } from '../support/http-client';
import { startServerProcess, type ServerProcess } from '../support/server-process';

jest.setTimeout(120_000);

const DB_NAME = 'keyhold_faults';
/** Liveness bounds with margin for a shared two-core machine (the defaults aim at ~1.5 s and ~4 s). */
const STOPPED_BOUND_MS = 2500;
const FROZEN_BOUND_MS = 6000;

function expectUnavailable(response: TimedResponse, boundMs: number): void {
  expect(response.status).toBe(503);
  expect(response.body.code).toBe('SERVICE_UNAVAILABLE');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(response.ms).toBeLessThan(boundMs);
}

async function register(baseUrl: string, email = uniqueEmail()): Promise<string> {
  const response = await timedRequest(baseUrl, 'POST', '/api/v1/auth/register', { body: { email, password: DEFAULT_PASSWORD } });
  if (response.status !== 201) throw new Error(`register: ${response.status} ${JSON.stringify(response.body)}`);
  return email;
}

async function login(baseUrl: string, email: string): Promise<{ accessToken: string; cookie: string }> {
  const response = await timedRequest(baseUrl, 'POST', '/api/v1/auth/login', { body: { email, password: DEFAULT_PASSWORD } });
  if (response.status !== 200 || !response.refreshCookie) throw new Error(`login: ${response.status} ${JSON.stringify(response.body)}`);
  return { accessToken: response.body.data!.accessToken as string, cookie: response.refreshCookie };
}

/** A well-formed passkey sign-in (its signature is never checked: the database is gone first). */
const PASSKEY_ASSERTION = {
  challengeId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  response: {
    id: 'AAAAAAAAAAAAAAAAAAAAAA',
    rawId: 'AAAAAAAAAAAAAAAAAAAAAA',
    type: 'public-key',
    clientExtensionResults: {},
    response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
  },
};

function tokenHashOf(cookie: string): string {
  return hashRefreshToken(decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)));
}

describe('when the database fails under a running service', () => {
  let database: OwnDatabase;
  let server: ServerProcess;
  let inspector: mongoose.Connection;

  beforeAll(async () => {
    database = await startOwnDatabase();
    // The service runs with its default database timeouts: these tests are about the defaults. Racing
    // refreshes within the grace period are tabs of one client, so a fork would show as two successors.
    server = await startServerProcess({ MONGODB_URI: `${database.uri}/${DB_NAME}`, REFRESH_REUSE_GRACE: '30s' });
    inspector = await mongoose.createConnection(`${database.uri}/${DB_NAME}`, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  });
  afterAll(async () => {
    await server?.kill();
    await inspector?.close();
    await database?.kill();
  });

  it('when the database is killed, then requests answer 503 with Retry-After within 2 s and /readyz 503 at once; when it comes back, then the service recovers without a restart', async () => {
    const email = await register(server.baseUrl);
    const { accessToken } = await login(server.baseUrl, email);

    await database.kill();

    // Before the driver's health check notices, a request can meet the dead server first: the operation timeout bounds it.
    expectUnavailable(await timedRequest(server.baseUrl, 'GET', '/api/v1/me', { bearer: accessToken }), FROZEN_BOUND_MS);
    const [me, signIn, signUp, passkeyOptions, passkeySignIn, ready] = await Promise.all([
      timedRequest(server.baseUrl, 'GET', '/api/v1/me', { bearer: accessToken }),
      timedRequest(server.baseUrl, 'POST', '/api/v1/auth/login', { body: { email, password: DEFAULT_PASSWORD } }),
      timedRequest(server.baseUrl, 'POST', '/api/v1/auth/register', { body: { email: uniqueEmail(), password: DEFAULT_PASSWORD } }),
      timedRequest(server.baseUrl, 'POST', '/api/v1/auth/passkey/options', { body: {} }),
      timedRequest(server.baseUrl, 'POST', '/api/v1/auth/passkey/verify', { body: PASSKEY_ASSERTION }),
      timedRequest(server.baseUrl, 'GET', '/readyz'),
    ]);
    [me, signIn, signUp, passkeyOptions, passkeySignIn].forEach((response) => expectUnavailable(response, STOPPED_BOUND_MS));
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeLessThan(1000);
    expect((await timedRequest(server.baseUrl, 'GET', '/healthz')).status).toBe(200);

    await database.restart();
    await waitForStatus(server.baseUrl, '/readyz', 200);

    // The memory backend came back empty: the service works against the new one without a restart.
    const again = await register(server.baseUrl, email);
    expect((await login(server.baseUrl, again)).accessToken).toEqual(expect.any(String));
    expect(server.child.exitCode).toBeNull();
  });

  it('when the database was restarted empty, then its unique indexes are rebuilt: 50 concurrent registrations of one address make one account', async () => {
    await database.restart();
    await waitForStatus(server.baseUrl, '/readyz', 200);
    const email = uniqueEmail('race');

    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        timedRequest(server.baseUrl, 'POST', '/api/v1/auth/register', { body: { email, password: DEFAULT_PASSWORD } }),
      ),
    );

    // Beyond hashing capacity a registration answers 503 BUSY before touching the database.
    const codes = responses.map((response) => `${response.status} ${response.body.code ?? ''}`.trim());
    expect(codes.filter((code) => code === '201')).toHaveLength(1);
    expect(codes.filter((code) => !['201', '409 EMAIL_TAKEN', '503 BUSY'].includes(code))).toEqual([]);
    expect(await inspector.collection('users').countDocuments({ email })).toBe(1);
  });

  it('when the database was restarted empty, then a refresh chain does not fork: one successor per token', async () => {
    await database.restart();
    await waitForStatus(server.baseUrl, '/readyz', 200);
    const { cookie } = await login(server.baseUrl, await register(server.baseUrl));

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => timedRequest(server.baseUrl, 'POST', '/api/v1/auth/refresh', { cookie })),
    );

    const successors = new Set(
      responses.flatMap((response) => (response.status === 200 && response.refreshCookie ? [response.refreshCookie] : [])),
    );
    expect(successors.size).toBe(1);
    expect(responses.filter((response) => response.status !== 200)).toEqual([]);
    expect(await inspector.collection('refreshtokens').countDocuments({ parentId: tokenHashOf(cookie) })).toBe(1);
  });

  it('when the database is frozen, then requests answer 503 within ~5 s instead of hanging; after it thaws everything works again and no session is revoked as reuse', async () => {
    const email = await register(server.baseUrl);
    const { accessToken } = await login(server.baseUrl, email);
    const signedIn: { cookie: string }[] = [];
    // One after the other: concurrent sign-ins of one account are the lockout's business, not this test's.
    for (let index = 0; index < 10; index++) signedIn.push(await login(server.baseUrl, email));

    await database.freeze();
    let responses: TimedResponse[];
    let refreshes: TimedResponse[];
    try {
      [responses, refreshes] = await Promise.all([
        Promise.all([
          timedRequest(server.baseUrl, 'GET', '/api/v1/me', { bearer: accessToken }),
          timedRequest(server.baseUrl, 'POST', '/api/v1/auth/login', { body: { email, password: DEFAULT_PASSWORD } }),
          timedRequest(server.baseUrl, 'POST', '/api/v1/auth/register', { body: { email: uniqueEmail(), password: DEFAULT_PASSWORD } }),
        ]),
        Promise.all(signedIn.map(({ cookie }) => timedRequest(server.baseUrl, 'POST', '/api/v1/auth/refresh', { cookie }))),
      ]);
      const ready = await timedRequest(server.baseUrl, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.ms).toBeLessThan(FROZEN_BOUND_MS);
    } finally {
      database.thaw();
    }
    [...responses, ...refreshes].forEach((response) => expectUnavailable(response, FROZEN_BOUND_MS));

    await waitForStatus(server.baseUrl, '/readyz', 200);
    // The whole answer, so a refusal says which one it was.
    expect(await timedRequest(server.baseUrl, 'GET', '/api/v1/me', { bearer: accessToken })).toMatchObject({ status: 200 });
    expect((await login(server.baseUrl, email)).accessToken).toEqual(expect.any(String));
    // Whatever the frozen server applied after the thaw, a retry is not theft: every session lives on.
    const retries = await Promise.all(
      signedIn.map(({ cookie }) => timedRequest(server.baseUrl, 'POST', '/api/v1/auth/refresh', { cookie })),
    );
    expect(retries.map((retry) => retry.status)).toEqual(signedIn.map(() => 200));
    const next = await Promise.all(
      retries.map((retry) => timedRequest(server.baseUrl, 'POST', '/api/v1/auth/refresh', { cookie: retry.refreshCookie })),
    );
    expect(next.map((response) => response.status)).toEqual(signedIn.map(() => 200));
    expect(await inspector.collection('sessions').countDocuments({ revokedAt: { $ne: null } })).toBe(0);
    expect(await inspector.collection('auditevents').countDocuments({ type: 'auth.refresh_reuse' })).toBe(0);
  });
});
