import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import request from 'supertest';
import { HabitModel } from '../../src/modules/habits/habit.model';
import { createTestClock, createTestContext, type TestContext } from '../support/context';
import { useTestDatabase } from '../support/database';
import { buildUser, loginAs, type SignedIn } from '../support/factories';
import { listen } from '../support/listening';

const DAY_MS = 86_400_000;
const bearer = (user: SignedIn) => ({ Authorization: `Bearer ${user.accessToken}` });

/** The bytes on the wire and the headers of a GET (supertest would decode a compressed body). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

/**
 * GET /habits is rendered once per list version and kept on each instance: a write on one instance
 * shows on the next list of another, because every write moves the user's version in the database.
 */
describe('GET /api/v1/habits across instances', () => {
  useTestDatabase();
  // 23:30 UTC on Tuesday 10 March 2026: already Wednesday 11 in Europe/Berlin.
  const clock = createTestClock(new Date('2026-03-10T23:30:00Z'));
  let first: TestContext;
  let second: TestContext;

  beforeAll(() => {
    first = createTestContext({}, { clock: clock.now });
    second = createTestContext({}, { clock: clock.now });
  });
  afterAll(() => Promise.all([first.container.close(), second.container.close()]));

  async function userWithHabit() {
    const account = await buildUser(first.container);
    const user = await loginAs(first.app, account);
    const habit = await request(first.app).post('/api/v1/habits').set(bearer(user)).send({ name: 'Read' }).expect(201);
    return { account, user, habitId: habit.body.data.id as string };
  }
  const listOn = async (ctx: TestContext, user: SignedIn, query = '') =>
    (await request(ctx.app).get(`/api/v1/habits${query}`).set(bearer(user)).expect(200)).body.data as Record<string, unknown>[];

  it('when the other instance checks in, renames, reorders, archives and deletes, then each change shows on the next list here', async () => {
    const { user, habitId } = await userWithHabit();
    const other = await request(first.app).post('/api/v1/habits').set(bearer(user)).send({ name: 'Run' }).expect(201);
    expect((await listOn(first, user)).map((habit) => habit.completedToday)).toEqual([false, false]);

    await request(second.app).put(`/api/v1/habits/${habitId}/check-ins/2026-03-10`).set(bearer(user)).expect(200);
    expect(await listOn(first, user)).toMatchObject([{ id: habitId, completedToday: true, streak: { current: 1 } }, { name: 'Run' }]);

    await request(second.app).patch(`/api/v1/habits/${habitId}`).set(bearer(user)).send({ name: 'Read more' }).expect(200);
    expect((await listOn(first, user))[0]).toMatchObject({ name: 'Read more' });

    await request(second.app)
      .put('/api/v1/habits/order')
      .set(bearer(user))
      .send({ ids: [other.body.data.id, habitId] })
      .expect(204);
    expect((await listOn(first, user)).map((habit) => habit.name)).toEqual(['Run', 'Read more']);

    await request(second.app).patch(`/api/v1/habits/${habitId}`).set(bearer(user)).send({ archived: true }).expect(200);
    expect((await listOn(first, user)).map((habit) => habit.name)).toEqual(['Run']);
    expect((await listOn(first, user, '?archived=true')).map((habit) => habit.name)).toEqual(['Read more']);

    await request(second.app).delete(`/api/v1/habits/${other.body.data.id}`).set(bearer(user)).expect(204);
    expect(await listOn(first, user)).toEqual([]);
  });

  it("when the other instance changes the time zone, then the list here counts the new zone's day", async () => {
    const { user, habitId } = await userWithHabit();
    await request(first.app).put(`/api/v1/habits/${habitId}/check-ins/2026-03-10`).set(bearer(user)).expect(200);
    expect((await listOn(first, user))[0]).toMatchObject({ completedToday: true });

    await request(second.app).patch('/api/v1/me/settings').set(bearer(user)).send({ timeZone: 'Europe/Berlin' }).expect(200);

    expect((await listOn(first, user))[0]).toMatchObject({ completedToday: false, streak: { current: 1 } });
  });

  it('when the day changes, then the kept list is rendered again for the new day', async () => {
    const { account, user, habitId } = await userWithHabit();
    await request(first.app).put(`/api/v1/habits/${habitId}/check-ins/2026-03-10`).set(bearer(user)).expect(200);
    expect((await listOn(first, user))[0]).toMatchObject({ completedToday: true, streak: { current: 1 } });

    clock.advance(2 * DAY_MS);
    try {
      const later = await loginAs(first.app, account);
      expect((await listOn(first, later))[0]).toMatchObject({ completedToday: false, streak: { current: 0, longest: 1 } });
    } finally {
      clock.advance(-2 * DAY_MS);
    }
  });

  it("when a habit changes behind the module's back, then the list stays as rendered until the version moves", async () => {
    const { user, habitId } = await userWithHabit();
    expect((await listOn(first, user))[0]).toMatchObject({ name: 'Read' });
    await HabitModel.updateOne({ _id: habitId }, { $set: { name: 'Changed in the database' } });

    // Served from this instance's cache (nothing moved the version); the other instance renders afresh.
    expect((await listOn(first, user))[0]).toMatchObject({ name: 'Read' });
    expect((await listOn(second, user))[0]).toMatchObject({ name: 'Changed in the database' });
    await request(second.app).put(`/api/v1/habits/${habitId}/check-ins/2026-03-10`).set(bearer(user)).expect(200);
    expect((await listOn(first, user))[0]).toMatchObject({ name: 'Changed in the database', completedToday: true });
  });

  it('when the client accepts gzip or brotli, then a list of 1 kB or more comes compressed and decodes to the same JSON', async () => {
    const { user } = await userWithHabit();
    for (let index = 0; index < 6; index++) {
      await request(first.app)
        .post('/api/v1/habits')
        .set(bearer(user))
        .send({ name: `Habit number ${index}` })
        .expect(201);
    }
    const plain = await request(first.app).get('/api/v1/habits').set(bearer(user)).set('Accept-Encoding', 'identity').expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(Buffer.byteLength(plain.text)).toBeGreaterThan(1024);

    const servers = [await listen(first.app), await listen(second.app)];
    try {
      for (const [encoding, decode] of [
        ['gzip', gunzipSync],
        ['br', brotliDecompressSync],
      ] as const) {
        // Rendered on the first call, kept for the second; the other instance renders its own.
        for (const server of [servers[0]!, servers[0]!, servers[1]!]) {
          const response = await rawGet(`${server.url}/api/v1/habits`, { ...bearer(user), 'Accept-Encoding': encoding });
          expect(response.headers['content-encoding']).toBe(encoding);
          expect(response.headers['content-type']).toMatch(/^application\/json/);
          expect(response.headers.vary).toMatch(/Accept-Encoding/i);
          expect(JSON.parse(decode(response.body).toString())).toEqual(plain.body);
        }
      }
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('when the list is under 1 kB, then it is sent as it is', async () => {
    const { user } = await userWithHabit();
    const response = await request(first.app).get('/api/v1/habits').set(bearer(user)).set('Accept-Encoding', 'gzip, br').expect(200);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.body.data).toHaveLength(1);
  });
});
