import request from 'supertest';
import { createTestClock, useTestApp } from '../../../../tests/support/context';
import { buildUser, loginAs, type SignedIn } from '../../../../tests/support/factories';
import { CheckInModel } from '../check-in.model';
import { HabitModel } from '../habit.model';
import { UserModel } from '../../users/user.model';

const bearer = (user: SignedIn) => ({ Authorization: `Bearer ${user.accessToken}` });
const UNKNOWN_ID = '0123456789abcdef01234567';

describe('habits (/api/v1/habits)', () => {
  const clock = createTestClock(new Date('2026-03-10T12:00:00Z'));
  const ctx = useTestApp({ HABITS_MAX: '5' }, { clock: clock.now });

  const signIn = async (): Promise<SignedIn> => loginAs(ctx.app, await buildUser(ctx.container));
  const createHabit = (user: SignedIn, body: Record<string, unknown>) =>
    request(ctx.app).post('/api/v1/habits').set(bearer(user)).send(body);

  describe('POST /api/v1/habits', () => {
    it('when a habit is sent, then it is stored for the caller and returned with empty streaks', async () => {
      const user = await signIn();
      const response = await createHabit(user, { name: '  Read  ', color: '#aabbcc', frequency: 'weekdays', weekdays: [5, 1, 1] });
      expect(response.status).toBe(201);
      expect(response.body.data).toMatchObject({
        name: 'Read',
        description: '',
        color: '#AABBCC',
        frequency: 'weekdays',
        weekdays: [1, 5],
        archived: false,
        completedToday: false,
        streak: { current: 0, longest: 0 },
      });
      const stored = await HabitModel.findById(response.body.data.id).lean();
      expect(stored?.userId.toString()).toBe(user.id);
      expect(stored?.nameKey).toBe('read');
    });

    it('when an active habit has the name in another case, then 409 HABIT_NAME_TAKEN and nothing is stored', async () => {
      const user = await signIn();
      await createHabit(user, { name: 'Run' }).expect(201);
      const response = await createHabit(user, { name: ' RUN ' });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('HABIT_NAME_TAKEN');
      expect(await HabitModel.countDocuments({ userId: user.id })).toBe(1);
    });

    it('when another user has the name, then it is free for the caller', async () => {
      const [alice, bob] = [await signIn(), await signIn()];
      await createHabit(alice, { name: 'Swim' }).expect(201);
      await createHabit(bob, { name: 'Swim' }).expect(201);
    });

    it('when the caller has HABITS_MAX habits, then 409 HABIT_LIMIT_REACHED', async () => {
      const user = await signIn();
      for (let index = 0; index < 5; index++) await createHabit(user, { name: `Habit ${index}` }).expect(201);
      const response = await createHabit(user, { name: 'One too many' });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('HABIT_LIMIT_REACHED');
      expect(await HabitModel.countDocuments({ userId: user.id })).toBe(5);
    });

    it.each([
      [{ name: 'Read', owner: 'someone' }, 'owner'],
      [{ name: 42 }, 'name'],
      [{ name: ' x ' }, 'name'],
      [{ name: 'Read', color: 'red' }, 'color'],
      [{ name: 'Read', frequency: 'weekdays' }, 'weekdays'],
      [{ name: 'Read', frequency: 'weekdays', weekdays: [] }, 'weekdays'],
      [{ name: 'Read', frequency: 'weekdays', weekdays: [7] }, 'weekdays.0'],
      [{ name: 'Read', description: 'x'.repeat(301) }, 'description'],
    ])('when the body is %j, then 400 VALIDATION_FAILED at %s and nothing is stored', async (body, path) => {
      const user = await signIn();
      const response = await createHabit(user, body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
      expect(await HabitModel.countDocuments({ userId: user.id })).toBe(0);
    });

    it('when unauthenticated, then 401', async () => {
      expect((await request(ctx.app).post('/api/v1/habits').send({ name: 'Read' })).status).toBe(401);
    });
  });

  describe('GET /api/v1/habits', () => {
    it('when the caller has active and archived habits, then each list shows its own, by order, and no one else sees them', async () => {
      const [user, other] = [await signIn(), await signIn()];
      const first = (await createHabit(user, { name: 'First' })).body.data;
      const second = (await createHabit(user, { name: 'Second' })).body.data;
      await request(ctx.app).patch(`/api/v1/habits/${first.id}`).set(bearer(user)).send({ archived: true }).expect(200);

      const active = await request(ctx.app).get('/api/v1/habits').set(bearer(user));
      const archived = await request(ctx.app).get('/api/v1/habits?archived=true').set(bearer(user));
      const others = await request(ctx.app).get('/api/v1/habits').set(bearer(other));

      expect(active.body.data.map((habit: { id: string }) => habit.id)).toEqual([second.id]);
      expect(archived.body.data.map((habit: { id: string }) => habit.id)).toEqual([first.id]);
      expect(others.body.data).toEqual([]);
    });

    it('when unauthenticated, then 401', async () => {
      expect((await request(ctx.app).get('/api/v1/habits')).status).toBe(401);
    });
  });

  describe('GET, PATCH, DELETE /api/v1/habits/:id', () => {
    it("when the habit is another user's, then every route answers 404 like an unknown id, admins included, and nothing changes", async () => {
      const owner = await signIn();
      // The test clock is not the authenticator's, so the admin signs in without a second factor (habits need none).
      const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }), 'jest', { mfa: false });
      const habit = (await createHabit(owner, { name: 'Private' })).body.data;
      for (const caller of [await signIn(), admin]) {
        for (const id of [habit.id, UNKNOWN_ID]) {
          const answers = [
            await request(ctx.app).get(`/api/v1/habits/${id}`).set(bearer(caller)),
            await request(ctx.app).patch(`/api/v1/habits/${id}`).set(bearer(caller)).send({ name: 'Mine now' }),
            await request(ctx.app).delete(`/api/v1/habits/${id}`).set(bearer(caller)),
            await request(ctx.app).get(`/api/v1/habits/${id}/stats`).set(bearer(caller)),
            await request(ctx.app).get(`/api/v1/habits/${id}/check-ins`).set(bearer(caller)),
            await request(ctx.app).put(`/api/v1/habits/${id}/check-ins/2026-03-10`).set(bearer(caller)),
            await request(ctx.app).delete(`/api/v1/habits/${id}/check-ins/2026-03-10`).set(bearer(caller)),
          ];
          for (const answer of answers) expect([answer.status, answer.body.code]).toEqual([404, 'NOT_FOUND']);
        }
      }
      expect((await HabitModel.findById(habit.id).lean())?.name).toBe('Private');
      expect(await CheckInModel.countDocuments({ habitId: habit.id })).toBe(0);
    });

    it('when a habit is renamed and archived, then its name is free again and unarchiving it into a taken name is refused', async () => {
      const user = await signIn();
      const habit = (await createHabit(user, { name: 'Walk' })).body.data;
      const renamed = await request(ctx.app)
        .patch(`/api/v1/habits/${habit.id}`)
        .set(bearer(user))
        .send({ name: 'Long walk', archived: true });
      expect(renamed.status).toBe(200);
      expect(renamed.body.data).toMatchObject({ name: 'Long walk', archived: true });
      await createHabit(user, { name: 'long WALK' }).expect(201);
      const unarchived = await request(ctx.app).patch(`/api/v1/habits/${habit.id}`).set(bearer(user)).send({ archived: false });
      expect(unarchived.status).toBe(409);
      expect(unarchived.body.code).toBe('HABIT_NAME_TAKEN');
      expect((await HabitModel.findById(habit.id).lean())?.archived).toBe(true);
    });

    it('when a PATCH carries an unknown field or an empty weekday list, then 400 at that field and nothing changes', async () => {
      const user = await signIn();
      const habit = (await createHabit(user, { name: 'Stretch' })).body.data;
      const unknown = await request(ctx.app)
        .patch(`/api/v1/habits/${habit.id}`)
        .set(bearer(user))
        .send({ streak: { current: 99 } });
      const noDays = await request(ctx.app).patch(`/api/v1/habits/${habit.id}`).set(bearer(user)).send({ frequency: 'weekdays' });
      expect([unknown.status, unknown.body.errors[0].path]).toEqual([400, 'streak']);
      expect([noDays.status, noDays.body.errors[0].path]).toEqual([400, 'weekdays']);
      expect(await HabitModel.findById(habit.id).lean()).toMatchObject({ frequency: 'daily', streak: { longest: 0 } });
    });

    it('when a malformed id is sent, then 400 VALIDATION_FAILED at id', async () => {
      const user = await signIn();
      const response = await request(ctx.app).get('/api/v1/habits/not-an-id').set(bearer(user));
      expect([response.status, response.body.errors[0].path]).toEqual([400, 'id']);
    });

    it('when the owner deletes a habit, then it and its check-ins are gone and its slot is free', async () => {
      const user = await signIn();
      const habit = (await createHabit(user, { name: 'Meditate' })).body.data;
      await request(ctx.app).put(`/api/v1/habits/${habit.id}/check-ins/2026-03-10`).set(bearer(user)).expect(200);
      await request(ctx.app).put(`/api/v1/habits/${habit.id}/check-ins/2026-03-09`).set(bearer(user)).expect(200);

      await request(ctx.app).delete(`/api/v1/habits/${habit.id}`).set(bearer(user)).expect(204);

      expect(await HabitModel.findById(habit.id)).toBeNull();
      expect(await CheckInModel.countDocuments({ habitId: habit.id })).toBe(0);
      await request(ctx.app).get(`/api/v1/habits/${habit.id}`).set(bearer(user)).expect(404);
    });

    it('when unauthenticated, then 401 on every route', async () => {
      for (const answer of [
        await request(ctx.app).get(`/api/v1/habits/${UNKNOWN_ID}`),
        await request(ctx.app).patch(`/api/v1/habits/${UNKNOWN_ID}`).send({ name: 'x' }),
        await request(ctx.app).delete(`/api/v1/habits/${UNKNOWN_ID}`),
        await request(ctx.app).get(`/api/v1/habits/${UNKNOWN_ID}/stats`),
        await request(ctx.app).put('/api/v1/habits/order').send({ ids: [] }),
      ]) {
        expect(answer.status).toBe(401);
      }
    });
  });

  describe('PUT /api/v1/habits/order', () => {
    it('when ids list every active habit, then the list follows them; otherwise 400 at ids and nothing moves', async () => {
      const user = await signIn();
      const [a, b, c] = [
        (await createHabit(user, { name: 'Alpha' })).body.data.id,
        (await createHabit(user, { name: 'Beta' })).body.data.id,
        (await createHabit(user, { name: 'Gamma' })).body.data.id,
      ];
      await request(ctx.app)
        .put('/api/v1/habits/order')
        .set(bearer(user))
        .send({ ids: [c, a, b] })
        .expect(204);
      const listed = await request(ctx.app).get('/api/v1/habits').set(bearer(user));
      expect(listed.body.data.map((habit: { id: string }) => habit.id)).toEqual([c, a, b]);

      const partial = await request(ctx.app)
        .put('/api/v1/habits/order')
        .set(bearer(user))
        .send({ ids: [a, b] });
      expect([partial.status, partial.body.errors[0].path]).toEqual([400, 'ids']);
      expect((await HabitModel.findById(c).lean())?.order).toBe(0);
    });
  });

  describe('GET and PATCH /api/v1/me/settings', () => {
    it('when nothing was set, then the defaults come back; a change is stored on the user', async () => {
      const user = await signIn();
      const before = await request(ctx.app).get('/api/v1/me/settings').set(bearer(user));
      expect(before.body.data.settings).toEqual({ timeZone: 'UTC', weekStart: 1, locale: 'en', notificationsEmailEnabled: false });

      const changed = await request(ctx.app)
        .patch('/api/v1/me/settings')
        .set(bearer(user))
        .send({ timeZone: 'Pacific/Kiritimati', weekStart: 0, locale: 'pt-br', notificationsEmailEnabled: true });

      expect(changed.status).toBe(200);
      expect(changed.body.data.settings).toEqual({
        timeZone: 'Pacific/Kiritimati',
        weekStart: 0,
        locale: 'pt-BR',
        notificationsEmailEnabled: true,
      });
      expect((await UserModel.findById(user.id).lean())?.settings).toMatchObject({ timeZone: 'Pacific/Kiritimati', weekStart: 0 });
    });

    it('when an empty change is sent, then the settings come back unchanged', async () => {
      const user = await signIn();
      const response = await request(ctx.app).patch('/api/v1/me/settings').set(bearer(user)).send({});
      expect([response.status, response.body.data.settings.timeZone]).toEqual([200, 'UTC']);
    });

    it.each([
      [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ weekStart: 7 }, 'weekStart'],
      [{ locale: 'not a tag!' }, 'locale'],
      [{ notificationsEmailEnabled: 'yes' }, 'notificationsEmailEnabled'],
      [{ theme: 'dark' }, 'theme'],
    ])('when %j is sent, then 400 at %s and nothing changes', async (body, path) => {
      const user = await signIn();
      const response = await request(ctx.app).patch('/api/v1/me/settings').set(bearer(user)).send(body);
      expect([response.status, response.body.errors[0].path]).toEqual([400, path]);
      expect((await UserModel.findById(user.id).lean())?.settings).toMatchObject({ timeZone: 'UTC', weekStart: 1, locale: 'en' });
    });

    it('when unauthenticated, then 401', async () => {
      expect((await request(ctx.app).get('/api/v1/me/settings')).status).toBe(401);
      expect((await request(ctx.app).patch('/api/v1/me/settings').send({ weekStart: 0 })).status).toBe(401);
    });
  });
});
