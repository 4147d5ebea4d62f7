import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { PasskeyChallengeModel } from '../passkey-challenge.model';
import { PasskeyModel } from '../passkey.model';
import { useMovingClockApp, useTestApp, type TestContext } from '../../../../tests/support/context';
import { buildUser, eventually, loginAs, type SignedIn } from '../../../../tests/support/factories';
import { SoftAuthenticator, type CeremonyOptions } from '../../../../tests/support/soft-authenticator';

const RP_ID = 'app.example.test';
const ORIGIN = 'https://app.example.test';
const HERE: CeremonyOptions = { origin: ORIGIN, rpId: RP_ID };
// Access tokens outlive the clock's jumps, so a refusal below is the re-authentication's, not an expired token's.
const ENV = { WEBAUTHN_RP_ID: RP_ID, WEBAUTHN_ORIGINS: ORIGIN, JWT_ACCESS_TTL: '30m' };
const RECENT_SIGN_IN_MS = 5 * 60_000;

/**
 * Adding a passkey to an account without a password (one made through a sign-in provider): a session
 * signed in within the last 5 minutes stands in for the password; an account with one still needs it.
 */
describe('passkeys of accounts without a password', () => {
  const ctx = useTestApp(ENV);
  const { clock, app: late } = useMovingClockApp(ENV);
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  /** Signs in (as the provider sign-in would have), then takes the password away: `passwordHash: null`, as OIDC accounts have. */
  async function passwordlessAccount(app: TestContext): Promise<SignedIn> {
    const signedIn = await loginAs(app.app, await buildUser(app.container));
    await UserModel.updateOne({ _id: signedIn.id }, { $set: { passwordHash: null } });
    return signedIn;
  }

  const registrationOptions = (app: TestContext, user: SignedIn, body: object) =>
    request(app.app).post('/api/v1/me/passkeys/registration-options').set(bearer(user.accessToken)).send(body);

  it('when the session signed in minutes ago, then options come without a password and the passkey is added', async () => {
    const user = await passwordlessAccount(ctx);

    const started = await registrationOptions(ctx, user, {});
    expect(started.status).toBe(200);
    const { options } = started.body.data;
    expect(await PasskeyChallengeModel.exists({ _id: options.challenge, ceremony: 'registration', userId: user.id })).not.toBeNull();
    expect((await registrationOptions(ctx, user, { password: '' })).status).toBe(200);

    const authenticator = new SoftAuthenticator();
    const added = await request(ctx.app)
      .post('/api/v1/me/passkeys')
      .set(bearer(user.accessToken))
      .send({ response: authenticator.register(options, HERE), name: 'Phone' });

    expect(added.status).toBe(201);
    expect(added.body.data.passkey).toMatchObject({ id: authenticator.id, name: 'Phone' });
    expect((await PasskeyModel.findById(authenticator.id).lean())?.userId.toString()).toBe(user.id);
    expect(await PasskeyChallengeModel.exists({ _id: options.challenge })).toBeNull();
    await eventually(() => AuditEventModel.exists({ type: 'user.passkey_added', targetId: user.id }));
  });

  it('when the sign-in is older than 5 minutes, then 403 INVALID_CREDENTIALS, audited, and no challenge is stored', async () => {
    const user = await passwordlessAccount(late);
    const signedInAt = (await SessionModel.findById(user.sessionId).lean())!.createdAt.getTime();
    const moveClockTo = (ms: number) => clock.advance(ms - clock.now().getTime());
    moveClockTo(signedInAt + RECENT_SIGN_IN_MS - 1_000);
    expect((await registrationOptions(late, user, {})).status).toBe(200);
    await PasskeyChallengeModel.deleteMany({ userId: user.id });

    moveClockTo(signedInAt + RECENT_SIGN_IN_MS + 1_000);
    const stale = await registrationOptions(late, user, {});

    expect(stale.status).toBe(403);
    expect(stale.body).toMatchObject({ code: 'INVALID_CREDENTIALS', detail: expect.stringMatching(/no password; sign in again/) });
    expect(await PasskeyChallengeModel.countDocuments({ userId: user.id })).toBe(0);
    const event = await eventually(() => AuditEventModel.findOne({ type: 'auth.reauth_failed', targetId: user.id }).lean());
    expect(event.details).toEqual({ wrong: 'sign_in_age' });
  });

  it.each([
    ['no password', {}],
    ['an empty password', { password: '' }],
  ])('when an account with a password sends %s, then 403 INVALID_CREDENTIALS, counted as re-authentication', async (_case, body) => {
    const user = await loginAs(ctx.app, await buildUser(ctx.container));

    const response = await registrationOptions(ctx, user, body);

    expect(response.status).toBe(403);
    expect(response.body.code).toBe('INVALID_CREDENTIALS');
    expect(await PasskeyChallengeModel.countDocuments({ userId: user.id })).toBe(0);
    await eventually(() => AuditEventModel.exists({ type: 'auth.reauth_failed', targetId: user.id }));
  });

  it('when the password is of the wrong type or too long, then 400 VALIDATION_FAILED and no challenge', async () => {
    const user = await passwordlessAccount(ctx);
    for (const body of [{ password: 42 }, { password: null }, { password: 'x'.repeat(1025) }, { password: '', extra: true }]) {
      const response = await registrationOptions(ctx, user, body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    }
    expect(await PasskeyChallengeModel.countDocuments({ userId: user.id })).toBe(0);
  });
});
