import request from 'supertest';
import { createTestContext, type TestContext } from '../../../../tests/support/context';
import { createOutboxJob } from '../outbox.job';
import { createMailTransport } from '../mail-transport';
import { AuditEventModel } from '../../audit/audit-event.model';
import { OutboxMessageModel } from '../outbox-message.model';
import { buildUser, eventually, uniqueEmail } from '../../../../tests/support/factories';
import { MAIL_TEST_ENV, useMailTestApp } from '../../../../tests/support/mail-app';

const RESET_SUBJECT = /Reset your password/;

describe('the mail outbox', () => {
  const ctx = useMailTestApp({ MAIL_MAX_ATTEMPTS: '3', MAIL_RESEND_INTERVAL: '0' });
  afterEach(() => {
    ctx.mailbox.refuseNext(0);
    ctx.mailbox.setDelay(0);
  });

  const forgot = (email: string) => request(ctx.app).post('/api/v1/auth/password/forgot').send({ email });

  it('when the SMTP server refuses (550) twice and then accepts, then the mail is retried and delivered once with one Message-ID', async () => {
    const user = await buildUser(ctx.container);
    ctx.mailbox.refuseNext(2, 550);

    await forgot(user.email).expect(202);

    const mail = await ctx.mailbox.waitFor(user.email, RESET_SUBJECT);
    const stored = await eventually(() => OutboxMessageModel.findOne({ to: user.email, status: 'sent' }).lean());
    expect(stored).toMatchObject({ attempts: 3, messageId: mail.messageId, text: null, html: null });
    expect(ctx.mailbox.refused.filter((refused) => refused.messageId === mail.messageId)).toHaveLength(2);
    await ctx.container.jobs.outbox.runOnce();
    expect(ctx.mailbox.messagesTo(user.email)).toHaveLength(1);
  });

  it('when the SMTP server is down during the request, then the request still answers 202 at once and the mail goes out once it is back', async () => {
    const user = await buildUser(ctx.container);
    await ctx.mailbox.stop();
    try {
      const startedAt = Date.now();
      await forgot(user.email).expect(202);
      expect(Date.now() - startedAt).toBeLessThan(2000);
      const waiting = await eventually(() =>
        OutboxMessageModel.findOne({ to: user.email, status: 'pending', attempts: { $gte: 1 } }).lean(),
      );
      expect(waiting.lastError).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await ctx.mailbox.start();
    }

    await ctx.mailbox.waitFor(user.email, RESET_SUBJECT);
    await eventually(() => OutboxMessageModel.findOne({ to: user.email, status: 'sent' }).lean());
    expect(ctx.mailbox.messagesTo(user.email)).toHaveLength(1);
  });

  it('when every attempt is refused, then after MAIL_MAX_ATTEMPTS the mail is failed, its body dropped, and mail.failed audited', async () => {
    const user = await buildUser(ctx.container);
    ctx.mailbox.refuseNext(3, 554);

    await forgot(user.email).expect(202);

    const failed = await eventually(() => OutboxMessageModel.findOne({ to: user.email, status: 'failed' }).lean(), 10_000);
    expect(failed).toMatchObject({ attempts: 3, text: null, html: null });
    expect(failed.lastError).toMatch(/554/);
    await eventually(() => AuditEventModel.findOne({ type: 'mail.failed', 'details.messageId': failed.messageId }));
    expect(ctx.mailbox.messagesTo(user.email)).toHaveLength(0);
  });

  it('when sent mail is older than MAIL_SENT_RETENTION, then pruning deletes it and keeps the rest', async () => {
    const old = new Date(Date.now() - 8 * 86_400_000);
    const base = { kind: 'mail', template: 'password_reset', nextAttemptAt: old };
    const [stale, recent, pending] = await OutboxMessageModel.create([
      { ...base, to: 'stale@example.test', messageId: '<stale@keyhold.test>', status: 'sent', sentAt: old },
      { ...base, to: 'recent@example.test', messageId: '<recent@keyhold.test>', status: 'sent', sentAt: new Date() },
      { ...base, to: 'failed@example.test', messageId: '<failed@keyhold.test>', status: 'failed' },
    ]);

    await ctx.container.jobs.outbox.prune();

    expect(await OutboxMessageModel.exists({ _id: stale!._id })).toBeNull();
    expect(await OutboxMessageModel.exists({ _id: recent!._id })).not.toBeNull();
    expect(await OutboxMessageModel.exists({ _id: pending!._id })).not.toBeNull();
  });

  describe('enqueueMailOnce', () => {
    const content = { subject: 'Your week', text: 'Read: 5 days', html: '<p>Read: 5 days</p>' };

    it('when 20 callers queue one key at once, then exactly one queues it and one message exists, delivered once', async () => {
      const user = await buildUser(ctx.container);
      const outbox = ctx.container.services.outbox;
      const key = `habit_weekly_summary:${user.id}:2026-03-02`;

      const queued = await Promise.all(
        Array.from({ length: 20 }, () => outbox.enqueueMailOnce(key, 'habit_weekly_summary', user.email, content, user.id)),
      );

      expect(queued.filter(Boolean)).toHaveLength(1);
      expect(await OutboxMessageModel.countDocuments({ to: user.email, template: 'habit_weekly_summary' })).toBe(1);
      await ctx.container.jobs.outbox.runOnce();
      await ctx.mailbox.waitFor(user.email, /Your week/);
      expect(await outbox.enqueueMailOnce(key, 'habit_weekly_summary', user.email, content, user.id)).toBe(false);
      expect(ctx.mailbox.messagesTo(user.email)).toHaveLength(1);
    });

    it('when two keys differ, then each queues its own message', async () => {
      const user = await buildUser(ctx.container);
      const outbox = ctx.container.services.outbox;
      for (const week of ['2026-03-02', '2026-03-09']) {
        expect(await outbox.enqueueMailOnce(`summary:${user.id}:${week}`, 'habit_weekly_summary', user.email, content, user.id)).toBe(true);
      }
      expect(await OutboxMessageModel.countDocuments({ to: user.email })).toBe(2);
    });
  });

  describe('several instances on one database', () => {
    const instances: TestContext[] = [];
    beforeAll(async () => {
      // The queue fills while no sender runs, so both instances start on the same due messages.
      await ctx.container.jobs.outbox.stop(0);
      for (let index = 0; index < 2; index += 1) {
        instances.push(createTestContext({ ...MAIL_TEST_ENV, SMTP_URL: ctx.mailbox.url, MAIL_RESEND_INTERVAL: '0' }));
      }
    });
    afterAll(() => Promise.all(instances.map((instance) => instance.container.close())));

    it('when two instances drain the same queue at once, then each message is delivered exactly once', async () => {
      ctx.mailbox.setDelay(40);
      // Registration composes its verification mail in the request: these are ready-to-send messages.
      const addresses = Array.from({ length: 20 }, () => uniqueEmail('twin'));
      // One after the other: the point is the queue they leave, not a registration storm.
      for (const [index, email] of addresses.entries()) {
        await request(instances[index % 2]!.app)
          .post('/api/v1/auth/register')
          .send({ email, password: 'a sufficiently long one' })
          .expect(201);
      }
      expect(await OutboxMessageModel.countDocuments({ to: { $in: addresses }, status: 'pending', kind: 'mail' })).toBe(20);

      await Promise.all(instances.map((instance) => instance.container.jobs.outbox.runOnce()));

      expect(await OutboxMessageModel.countDocuments({ to: { $in: addresses }, status: 'sent' })).toBe(20);
      const delivered = addresses.flatMap((email) => ctx.mailbox.messagesTo(email).map((mail) => mail.messageId));
      expect(delivered).toHaveLength(20);
      expect(new Set(delivered).size).toBe(20);
      expect(await OutboxMessageModel.countDocuments({ to: { $in: addresses }, attempts: 1 })).toBe(20);
    });
  });

  describe('shutdown', () => {
    function startSender() {
      const transport = createMailTransport({
        smtpUrl: ctx.mailbox.url,
        from: 'Keyhold <no-reply@keyhold.test>',
        sendTimeoutMs: 5000,
        logBodies: false,
      });
      const job = createOutboxJob({
        outbox: ctx.container.services.outbox,
        transport,
        audit: ctx.container.services.audit,
        resolvers: {
          password_reset_request: ctx.container.services.passwordReset.composeResetMail,
          verification_request: ctx.container.services.verification.composeVerificationMail,
        },
        pollIntervalMs: 20,
        pruneIntervalMs: 60_000,
      });
      job.start();
      return job;
    }

    it('when stopped during a send that finishes within the grace, then the send completes and is marked sent', async () => {
      const user = await buildUser(ctx.container);
      ctx.mailbox.setDelay(400);
      await forgot(user.email).expect(202);
      const job = startSender();
      await eventually(() => OutboxMessageModel.findOne({ to: user.email, status: 'sending' }).lean());

      await job.stop(5000);

      expect((await OutboxMessageModel.findOne({ to: user.email }).lean())?.status).toBe('sent');
      expect(ctx.mailbox.messagesTo(user.email)).toHaveLength(1);
    });

    it('when stopped during a send that outlasts the grace, then the send is aborted and the message handed back untried', async () => {
      const user = await buildUser(ctx.container);
      ctx.mailbox.setDelay(3000);
      await forgot(user.email).expect(202);
      const job = startSender();
      await eventually(() => OutboxMessageModel.findOne({ to: user.email, status: 'sending' }).lean());

      const stoppedAt = Date.now();
      await job.stop(100);

      expect(Date.now() - stoppedAt).toBeLessThan(2500);
      const released = await OutboxMessageModel.findOne({ to: user.email }).lean();
      expect(released).toMatchObject({ status: 'pending', leaseOwner: null, attempts: 0 });
    });
  });
});
