import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { hashRefreshToken } from '../../src/modules/sessions/refresh-token';
import { RefreshTokenModel } from '../../src/modules/sessions/refresh-token.model';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { createTestContext, type TestContext } from '../support/context';
import { connectTestProcess } from '../support/database';
import { startOwnDatabase, type OwnDatabase } from '../support/own-database';
import { buildUser, eventually, loginAs } from '../support/factories';

const GRACE_MS = 1000;
const CLIENT_TIMEOUT_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/*
 * The database is a process of this file's own, frozen with SIGSTOP while a refresh is in flight: the
 * client gives up, the rotation's writes land only after the thaw (their outcome unknown to the
 * client), and the grace runs out meanwhile. Nothing of that is proof of theft.
 */
describe('refresh while the database is frozen', () => {
  let database: OwnDatabase;
  let ctx: TestContext;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    database = await startOwnDatabase();
    await connectTestProcess(database.uri, 'keyhold_refresh_faults');
    await Promise.all(Object.values(mongoose.models).map((model) => model.init()));
    ctx = createTestContext({ REFRESH_REUSE_GRACE: `${GRACE_MS}ms` });
    server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 90_000);
  afterAll(async () => {
    database?.thaw();
    await new Promise((resolve) => server?.close(resolve));
    await ctx?.container.close();
    await mongoose.disconnect();
    await database?.kill();
  });

  async function refresh(cookie: string, signal?: AbortSignal) {
    const response = await fetch(`${baseUrl}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/json' },
      signal,
    });
    const body = (await response.json()) as { code?: string };
    const cookieLine = response.headers.getSetCookie().find((line) => line.startsWith('refreshToken='));
    return { status: response.status, code: body.code, cookie: cookieLine?.split(';')[0] };
  }

  it('when a refresh timed out on the client during a freeze, then after the thaw and the grace the retry gets the same successor and the session lives', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const parentId = hashRefreshToken(signedIn.refreshCookie.split('=')[1]!);

    await database.freeze();
    const frozen = await refresh(signedIn.refreshCookie, AbortSignal.timeout(CLIENT_TIMEOUT_MS)).then(
      () => 'answered',
      () => 'gave up',
    );
    expect(frozen).toBe('gave up');
    // The thaw comes before any database operation timeout would fail the frozen request, so its
    // rotation completes after the client gave up and after the grace, as in the reported incident.
    await sleep(GRACE_MS + 200);
    database.thaw();
    // The frozen rotation completes on the server now, with nobody left to answer.
    const successor = await eventually(() => RefreshTokenModel.findOne({ parentId }).lean(), 15_000);
    await sleep(1000);
    expect((await RefreshTokenModel.findById(parentId).lean())?.usedAt).toBeNull();

    const retry = await refresh(signedIn.refreshCookie);

    expect(retry.status).toBe(200);
    expect(hashRefreshToken(retry.cookie!.split('=')[1]!)).toBe(successor._id);
    const next = await refresh(retry.cookie!);
    expect(next.status).toBe(200);
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.revokedAt).toBeNull();
    expect(await RefreshTokenModel.countDocuments({ sessionId: signedIn.sessionId, usedAt: null })).toBe(1);
  }, 60_000);
});
