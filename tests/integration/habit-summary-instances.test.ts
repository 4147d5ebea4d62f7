import request from 'supertest';
import { OutboxMessageModel } from '../../src/modules/mail/outbox-message.model';
import { SummaryClaimModel } from '../../src/modules/habits/summary-claim.model';
import { createWeeklySummaryService } from '../../src/modules/habits/weekly-summary.service';
import type { MailOutboxService } from '../../src/modules/mail';
import { createUserSettings } from '../../src/modules/users';
import { UserModel } from '../../src/modules/users/user.model';
import { createTestClock, createTestContext, type TestContext } from '../support/context';
import { useTestDatabase } from '../support/database';
import { buildUser, loginAs } from '../support/factories';

const WEEK_MS = 7 * 86_400_000;

/** Two instances run the weekly summary job at once, and again after a "restart": one mail per user and week. */
describe('weekly habit summary on two instances', () => {
  useTestDatabase();
  // Tuesday 10 March 2026 (already Wednesday 11 at UTC+14): the last finished week is 2-8 March for weeks
  // starting on Monday, 1-7 March for weeks starting on Sunday.
  const clock = createTestClock(new Date('2026-03-10T12:00:00Z'));
  let first: TestContext;
  let second: TestContext;

  beforeAll(() => {
    first = createTestContext({}, { clock: clock.now });
    second = createTestContext({}, { clock: clock.now });
  });
  afterAll(() => Promise.all([first.container.close(), second.container.close()]));

  async function subscriber(settings: Record<string, unknown>, verified = true): Promise<string> {
    const user = await buildUser(first.container);
    await UserModel.updateOne({ _id: user.id }, { $set: { emailVerified: verified } });
    const signedIn = await loginAs(first.app, user);
    const auth = { Authorization: `Bearer ${signedIn.accessToken}` };
    await request(first.app).patch('/api/v1/me/settings').set(auth).send(settings).expect(200);
    const habit = await request(first.app).post('/api/v1/habits').set(auth).send({ name: 'Read' }).expect(201);
    await request(first.app).put(`/api/v1/habits/${habit.body.data.id}/check-ins/2026-03-05`).set(auth).expect(200);
    return user.id;
  }

  /** Both instances twice at once, then a freshly started instance (a restart: nothing kept in memory). */
  const runBothTwice = async (): Promise<number> => {
    const jobs = [first, second].map((ctx) => ctx.container.jobs.habitSummaries);
    const racing = await Promise.all([...jobs, ...jobs].map((job) => job.runOnce()));
    const restarted = createTestContext({}, { clock: clock.now });
    try {
      return racing.reduce((sum, count) => sum + count, 0) + (await restarted.container.jobs.habitSummaries.runOnce());
    } finally {
      await restarted.container.close();
    }
  };
  const summariesTo = (userId: string) => OutboxMessageModel.countDocuments({ userId, template: 'habit_weekly_summary' });

  it('when both instances run at once and again after a restart, then each subscriber gets exactly one summary per week', async () => {
    const monday = await subscriber({ notificationsEmailEnabled: true });
    const sunday = await subscriber({ notificationsEmailEnabled: true, weekStart: 0, timeZone: 'Pacific/Kiritimati' });
    const optedOut = await subscriber({ notificationsEmailEnabled: false });
    const unverified = await subscriber({ notificationsEmailEnabled: true }, false);

    const queued = await runBothTwice();

    expect(queued).toBe(2);
    expect([await summariesTo(monday), await summariesTo(sunday), await summariesTo(optedOut), await summariesTo(unverified)]).toEqual([
      1, 1, 0, 0,
    ]);
    expect(await SummaryClaimModel.exists({ _id: `${monday}:2026-03-02` })).not.toBeNull();
    expect(await SummaryClaimModel.exists({ _id: `${sunday}:2026-03-01` })).not.toBeNull();

    clock.advance(WEEK_MS);
    await runBothTwice();
    expect([await summariesTo(monday), await summariesTo(sunday)]).toEqual([2, 2]);
  });

  /**
   * An instance that dies inside the enqueue: `before` the outbox insert or `after` it. The outbox
   * handed to its job stops there for good (as a killed process would; no timing involved) and
   * resolves `reached` so the test knows the fault point was hit.
   */
  function instanceDyingAtEnqueue(when: 'before' | 'after') {
    const outbox = first.container.services.outbox;
    let reached!: () => void;
    const crashed = new Promise<void>((resolve) => (reached = resolve));
    const dying: Pick<MailOutboxService, 'enqueueMailOnce'> = {
      async enqueueMailOnce(...args) {
        if (when === 'after') await outbox.enqueueMailOnce(...args);
        reached();
        return new Promise<boolean>(() => undefined);
      },
    };
    const service = createWeeklySummaryService({ now: clock.now, users: createUserSettings(), outbox: dying, productName: 'Keyhold' });
    void service.runOnce();
    return crashed;
  }

  it.each(['before', 'after'] as const)(
    'when an instance dies %s queueing a summary, then the next run (another instance or a restart) queues it exactly once',
    async (when) => {
      const userId = await subscriber({ notificationsEmailEnabled: true });

      await instanceDyingAtEnqueue(when);
      expect(await summariesTo(userId)).toBe(when === 'after' ? 1 : 0);
      await runBothTwice();

      expect(await summariesTo(userId)).toBe(1);
      expect(await SummaryClaimModel.countDocuments({ userId })).toBe(1);
    },
  );
});
