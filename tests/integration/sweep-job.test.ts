import { Types } from 'mongoose';
import request from 'supertest';
import { createSweepJob } from '../../src/sweep.job';
import { addMs } from '../../src/lib/clock';
import { hashRefreshToken } from '../../src/modules/sessions/refresh-token';
import { AuditEventModel } from '../../src/modules/audit/audit-event.model';
import { LoginAttemptModel } from '../../src/modules/auth/login-attempt.model';
import { RefreshTokenModel } from '../../src/modules/sessions/refresh-token.model';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { createTestClock, useTestApp } from '../support/context';
import { buildUser, eventually, loginAs, refreshCookieOf, uniqueEmail } from '../support/factories';

const HOUR_MS = 3_600_000;

describe('the sweep job', () => {
  const clock = createTestClock();
  const ctx = useTestApp({ REFRESH_REUSE_GRACE: '5s', AUDIT_RETENTION: '30d' }, { clock: clock.now });

  const refresh = (cookie: string) =>
    request(ctx.app).post('/api/v1/auth/refresh').set('Cookie', cookie).set('Content-Type', 'application/json').expect(200);

  it('when spent tokens, orphans, expired login counters and old audit events exist, then one sweep removes exactly those', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const head = refreshCookieOf(await refresh(refreshCookieOf(await refresh(signedIn.refreshCookie))));
    const ended = await loginAs(ctx.app, await buildUser(ctx.container));
    await request(ctx.app)
      .post('/api/v1/auth/logout')
      .set('Cookie', ended.refreshCookie)
      .set('Content-Type', 'application/json')
      .expect(204);
    // A successor stored just after the revocation deleted the session's tokens.
    const late = { sessionId: new Types.ObjectId(ended.sessionId), userId: new Types.ObjectId(ended.id), generation: 1, usedAt: null };
    await RefreshTokenModel.collection.insertOne({ _id: 'late-successor', ...late, expiresAt: addMs(clock.now(), HOUR_MS) } as never);
    // A session opened by a login that raced the deletion of its account.
    const orphanSession = await ctx.container.services.sessions.startSession(
      new Types.ObjectId().toString(),
      { ip: null, userAgent: null },
      null,
      0,
    );
    await request(ctx.app)
      .post('/api/v1/auth/login')
      .send({ email: uniqueEmail('nobody'), password: 'wrong password 123' })
      .expect(401);
    const oldEvent = { type: 'auth.login', details: {}, createdAt: addMs(clock.now(), -31 * 24 * HOUR_MS) };
    await AuditEventModel.collection.insertOne(oldEvent);
    await ctx.container.services.audit.flush();
    const eventsBefore = await AuditEventModel.countDocuments();
    clock.advance(HOUR_MS);

    const report = await createSweepJob(ctx.container).runOnce();

    expect(report).toMatchObject({ spentTokens: 2, orphanSessions: 1, orphanTokens: 1, auditEvents: 1 });
    expect(report.loginAttempts).toBeGreaterThanOrEqual(1);
    expect(await RefreshTokenModel.find({ sessionId: signedIn.sessionId }, { _id: 1 }).lean()).toEqual([
      { _id: hashRefreshToken(head.split('=')[1]!) },
    ]);
    expect(await RefreshTokenModel.countDocuments({ _id: 'late-successor' } as never)).toBe(0);
    expect(await SessionModel.findById(orphanSession._id)).toBeNull();
    expect(await SessionModel.findById(signedIn.sessionId)).not.toBeNull();
    expect(await LoginAttemptModel.countDocuments({ expiresAt: { $lte: clock.now() } })).toBe(0);
    expect(await AuditEventModel.countDocuments()).toBe(eventsBefore - 1);
    await refresh(head);
  });

  it('when started, then it sweeps on its interval; once stopped, it sweeps no more', async () => {
    const config = { ...ctx.container.config, session: { ...ctx.container.config.session, sweepIntervalMs: 20 } };
    const job = createSweepJob({ ...ctx.container, config });
    const oldEvent = () =>
      AuditEventModel.collection.insertOne({ type: 'auth.login', details: {}, createdAt: addMs(clock.now(), -31 * 24 * HOUR_MS) });
    const swept = await oldEvent();

    job.start();
    await eventually(async () => (await AuditEventModel.countDocuments({ _id: swept.insertedId })) === 0);
    await job.stop();
    const kept = await oldEvent();
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await AuditEventModel.countDocuments({ _id: kept.insertedId })).toBe(1);
  });
});
