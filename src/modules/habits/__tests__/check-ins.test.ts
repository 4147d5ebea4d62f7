import request from 'supertest';
import { createTestClock, useTestApp } from '../../../../tests/support/context';
import { buildUser, loginAs, type SignedIn } from '../../../../tests/support/factories';
import { CheckInModel } from '../check-in.model';
import { HabitModel } from '../habit.model';
import { HabitQuotaModel } from '../habit-quota.model';

const bearer = (user: SignedIn) => ({ Authorization: `Bearer ${user.accessToken}` });
const DAY_MS = 86_400_000;

describe('check-ins (/api/v1/habits/:id/check-ins)', () => {
  // Tuesday 10 March 2026, 12:00 UTC: already Wednesday 11 at UTC+14, still Tuesday 10 at UTC-10.
  const clock = createTestClock(new Date('2026-03-10T12:00:00Z'));
  // The test clock is not the authenticator app's: admins here sign in without a second factor.
  const ctx = useTestApp({ HABIT_BACKFILL_DAYS: '30', MFA_REQUIRED_ROLES: 'none' }, { clock: clock.now });

  async function userWithHabit(body: Record<string, unknown> = { name: 'Read' }, timeZone = 'UTC') {
    const user = await loginAs(ctx.app, await buildUser(ctx.container));
    await request(ctx.app).patch('/api/v1/me/settings').set(bearer(user)).send({ timeZone }).expect(200);
    const habit = (await request(ctx.app).post('/api/v1/habits').set(bearer(user)).send(body).expect(201)).body.data as { id: string };
    return { user, habit };
  }
  const put = (user: SignedIn, habitId: string, date: string) =>
    request(ctx.app).put(`/api/v1/habits/${habitId}/check-ins/${date}`).set(bearer(user));

  describe('PUT /api/v1/habits/:id/check-ins/:date', () => {
    it('when days up to today are checked, then the streak counts them and a repeat changes nothing', async () => {
      const { user, habit } = await userWithHabit();
      await put(user, habit.id, '2026-03-08').expect(200);
      await put(user, habit.id, '2026-03-09').expect(200);
      const today = await put(user, habit.id, '2026-03-10');
      const again = await put(user, habit.id, '2026-03-10');

      expect(today.body.data.habit).toMatchObject({ completedToday: true, streak: { current: 3, longest: 3 } });
      expect(again.body.data.habit).toEqual(today.body.data.habit);
      expect(await CheckInModel.countDocuments({ habitId: habit.id })).toBe(3);
    });

    it('when the date is after the user today or before the backfill window, then 400 CHECK_IN_DATE_INVALID and nothing is stored', async () => {
      const { user, habit } = await userWithHabit();
      for (const date of ['2026-03-11', '2026-02-07']) {
        const response = await put(user, habit.id, date);
        expect([response.status, response.body.code]).toEqual([400, 'CHECK_IN_DATE_INVALID']);
      }
      await put(user, habit.id, '2026-02-08').expect(200);
      expect(await CheckInModel.countDocuments({ habitId: habit.id })).toBe(1);
    });

    it('when the date does not exist or is malformed, then 400 VALIDATION_FAILED at date', async () => {
      const { user, habit } = await userWithHabit();
      for (const date of ['2026-02-30', '10-03-2026', 'today']) {
        const response = await put(user, habit.id, date);
        expect([response.status, response.body.code, response.body.errors[0].path]).toEqual([400, 'VALIDATION_FAILED', 'date']);
      }
      expect(await CheckInModel.countDocuments({ habitId: habit.id })).toBe(0);
    });

    it('when the user lives at UTC+14, then their today is already tomorrow in UTC; at UTC-10 it is not', async () => {
      const kiribati = await userWithHabit({ name: 'Surf' }, 'Pacific/Kiritimati');
      const hawaii = await userWithHabit({ name: 'Surf' }, 'Pacific/Honolulu');
      const ahead = await put(kiribati.user, kiribati.habit.id, '2026-03-11');
      const behind = await put(hawaii.user, hawaii.habit.id, '2026-03-11');
      expect(ahead.status).toBe(200);
      expect(ahead.body.data.habit.completedToday).toBe(true);
      expect([behind.status, behind.body.code]).toEqual([400, 'CHECK_IN_DATE_INVALID']);
    });

    it('when the habit is due on weekdays, then a weekend between Friday and Monday does not break the streak', async () => {
      const { user, habit } = await userWithHabit({ name: 'Commute', frequency: 'weekdays', weekdays: [1, 2, 3, 4, 5] });
      for (const date of ['2026-03-05', '2026-03-06', '2026-03-09']) await put(user, habit.id, date).expect(200);
      // Tuesday 10 is not done yet: the streak ends on Monday 9.
      const shown = await request(ctx.app).get(`/api/v1/habits/${habit.id}`).set(bearer(user));
      expect(shown.body.data).toMatchObject({ completedToday: false, streak: { current: 3, longest: 3 } });
    });
  });

  describe('DELETE /api/v1/habits/:id/check-ins/:date', () => {
    it('when a day in the middle is unchecked, then the run splits; unchecking again is still 200', async () => {
      const { user, habit } = await userWithHabit();
      for (const date of ['2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10']) await put(user, habit.id, date).expect(200);
      const first = await request(ctx.app).delete(`/api/v1/habits/${habit.id}/check-ins/2026-03-08`).set(bearer(user));
      const second = await request(ctx.app).delete(`/api/v1/habits/${habit.id}/check-ins/2026-03-08`).set(bearer(user));
      expect(first.body.data.habit.streak).toEqual({ current: 2, longest: 2 });
      expect(second.status).toBe(200);
      expect(await CheckInModel.exists({ _id: `${habit.id}:2026-03-08` })).toBeNull();
    });
  });

  describe('GET /api/v1/habits/:id/check-ins and /stats', () => {
    it('when a range is asked, then the checked days in it come back in order; over 366 days is 400 at to', async () => {
      const { user, habit } = await userWithHabit();
      for (const date of ['2026-03-10', '2026-03-01', '2026-02-20']) await put(user, habit.id, date).expect(200);
      const listed = await request(ctx.app).get(`/api/v1/habits/${habit.id}/check-ins?from=2026-02-25&to=2026-03-10`).set(bearer(user));
      const recent = await request(ctx.app).get(`/api/v1/habits/${habit.id}/check-ins`).set(bearer(user));
      const tooLong = await request(ctx.app).get(`/api/v1/habits/${habit.id}/check-ins?from=2025-01-01&to=2026-03-10`).set(bearer(user));
      expect(listed.body.data).toEqual(['2026-03-01', '2026-03-10']);
      expect(recent.body.data).toEqual(['2026-02-20', '2026-03-01', '2026-03-10']);
      expect([tooLong.status, tooLong.body.errors[0].path]).toEqual([400, 'to']);
    });

    it('when days are checked over time, then stats give streaks, completion rates and the total', async () => {
      const { user, habit } = await userWithHabit();
      for (const date of ['2026-03-04', '2026-03-05', '2026-03-06', '2026-03-08', '2026-03-09', '2026-03-10']) {
        await put(user, habit.id, date).expect(200);
      }
      const stats = await request(ctx.app).get(`/api/v1/habits/${habit.id}/stats`).set(bearer(user));
      // The habit was created on the 10th; backfilled days count from the first of them (the 4th).
      expect(stats.body.data).toEqual({ streak: { current: 3, longest: 3 }, completionRate: { last7: 0.8571, last30: 0.8571 }, total: 6 });
    });

    it('when days pass without check-ins, then the stored streak is shown as broken without any write', async () => {
      const { user, habit } = await userWithHabit();
      await put(user, habit.id, '2026-03-10').expect(200);
      const stored = await HabitModel.findById(habit.id).lean();
      clock.advance(2 * DAY_MS);
      try {
        // Two days later the access token has expired: a client would have refreshed.
        const later = await loginAs(ctx.app, user);
        const listed = await request(ctx.app).get('/api/v1/habits').set(bearer(later));
        expect(listed.body.data[0]).toMatchObject({ completedToday: false, streak: { current: 0, longest: 1 } });
        expect((await HabitModel.findById(habit.id).lean())?.version).toBe(stored?.version);
      } finally {
        clock.advance(-2 * DAY_MS);
      }
    });
  });

  describe('deleting the account', () => {
    it('when the user deletes their account, then their habits, check-ins and quota are gone', async () => {
      const { user, habit } = await userWithHabit();
      await put(user, habit.id, '2026-03-10').expect(200);
      await request(ctx.app).delete('/api/v1/me').set(bearer(user)).send({ password: user.password }).expect(204);
      expect(await HabitModel.countDocuments({ userId: user.id })).toBe(0);
      expect(await CheckInModel.countDocuments({ userId: user.id })).toBe(0);
      expect(await HabitQuotaModel.exists({ _id: user.id })).toBeNull();
    });

    it('when an admin deletes the user, then their habits and check-ins are gone', async () => {
      const { user, habit } = await userWithHabit();
      await put(user, habit.id, '2026-03-10').expect(200);
      const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }), 'jest', { mfa: false });
      await request(ctx.app).delete(`/api/v1/users/${user.id}`).set(bearer(admin)).expect(204);
      expect(await HabitModel.countDocuments({ userId: user.id })).toBe(0);
      expect(await CheckInModel.countDocuments({ userId: user.id })).toBe(0);
    });

    it('when a deletion was interrupted after the account was removed, then the sweep forgets the habits', async () => {
      const { user, habit } = await userWithHabit();
      await put(user, habit.id, '2026-03-10').expect(200);
      const { UserModel } = await import('../../users/user.model');
      await UserModel.deleteOne({ _id: user.id });
      expect(await ctx.container.services.habits.data.sweepOrphans()).toBeGreaterThanOrEqual(1);
      expect(await HabitModel.countDocuments({ userId: user.id })).toBe(0);
      expect(await CheckInModel.countDocuments({ habitId: habit.id })).toBe(0);
    });
  });
});
