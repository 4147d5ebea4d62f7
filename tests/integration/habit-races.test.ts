import { CheckInModel } from '../../src/modules/habits/check-in.model';
import { HabitModel } from '../../src/modules/habits/habit.model';
import { HabitQuotaModel } from '../../src/modules/habits/habit-quota.model';
import { createTestClock, useTestApp } from '../support/context';
import { buildUser, loginAs, type SignedIn } from '../support/factories';
import { useListeningServer } from '../support/listening';

const PARALLEL = 25;

/**
 * Habits under concurrent requests against a listening server: every request really in flight at
 * once, and the database checked afterwards.
 */
describe('habits under racing requests', () => {
  const clock = createTestClock(new Date('2026-03-10T12:00:00Z'));
  const ctx = useTestApp({ HABITS_MAX: '5', HABIT_BACKFILL_DAYS: '30' }, { clock: clock.now });
  const server = useListeningServer(ctx);

  const send = (user: SignedIn, method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${user.accessToken}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function userWithHabit(): Promise<{ user: SignedIn; habitId: string }> {
    const user = await loginAs(ctx.app, await buildUser(ctx.container));
    const created = await send(user, 'POST', '/api/v1/habits', { name: 'Race' });
    return { user, habitId: ((await created.json()) as { data: { id: string } }).data.id };
  }

  it('when 25 check-ins of the same day arrive at once, then there is one check-in and the streak counts it once', async () => {
    const { user, habitId } = await userWithHabit();

    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, () => send(user, 'PUT', `/api/v1/habits/${habitId}/check-ins/2026-03-10`)),
    );

    expect(answers.map((answer) => answer.status)).toEqual(Array(PARALLEL).fill(200));
    expect(await CheckInModel.countDocuments({ habitId })).toBe(1);
    const habit = await HabitModel.findById(habitId).lean();
    expect(habit?.streak).toMatchObject({ lastRunLength: 1, longest: 1 });
  });

  it('when 25 different days are checked at once, then every one of them counts in the stored streak', async () => {
    const { user, habitId } = await userWithHabit();
    const days = Array.from({ length: PARALLEL }, (_, index) => new Date(Date.UTC(2026, 2, 10 - index)).toISOString().slice(0, 10));

    const answers = await Promise.all(days.map((day) => send(user, 'PUT', `/api/v1/habits/${habitId}/check-ins/${day}`)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(PARALLEL).fill(200));
    expect(await CheckInModel.countDocuments({ habitId })).toBe(PARALLEL);
    const shown = await send(user, 'GET', `/api/v1/habits/${habitId}`);
    expect(((await shown.json()) as { data: { streak: unknown } }).data.streak).toEqual({ current: PARALLEL, longest: PARALLEL });
  });

  it('when 20 creates race for the last free slot, then exactly one wins and HABITS_MAX holds', async () => {
    const user = await loginAs(ctx.app, await buildUser(ctx.container));
    for (let index = 0; index < 4; index++)
      expect((await send(user, 'POST', '/api/v1/habits', { name: `Habit ${index}` })).status).toBe(201);

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => send(user, 'POST', '/api/v1/habits', { name: `Racer ${index}` })),
    );
    const statuses = answers.map((answer) => answer.status);

    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    expect(await HabitModel.countDocuments({ userId: user.id })).toBe(5);
    expect((await HabitQuotaModel.findById(user.id).lean())?.count).toBe(5);
  });
});
