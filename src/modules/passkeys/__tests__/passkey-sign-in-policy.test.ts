import request from 'supertest';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { useTestApp } from '../../../../tests/support/context';
import { buildUser, enrolMfa, loginAs, type SignedIn } from '../../../../tests/support/factories';
import { SoftAuthenticator } from '../../../../tests/support/soft-authenticator';

const HERE = { origin: 'https://app.example.test', rpId: 'app.example.test' };

describe('passkey sign-in under account policies', () => {
  const ctx = useTestApp({ WEBAUTHN_RP_ID: HERE.rpId, WEBAUTHN_ORIGINS: HERE.origin, REQUIRE_VERIFIED_EMAIL: 'true' });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function verifiedUser(): Promise<{ user: SignedIn; authenticator: SoftAuthenticator }> {
    const built = await buildUser(ctx.container);
    await UserModel.updateOne({ _id: built.id }, { $set: { emailVerified: true } });
    const user = await loginAs(ctx.app, built);
    const options = await request(ctx.app)
      .post('/api/v1/me/passkeys/registration-options')
      .set(bearer(user.accessToken))
      .send({ password: user.password });
    const authenticator = new SoftAuthenticator();
    const added = await request(ctx.app)
      .post('/api/v1/me/passkeys')
      .set(bearer(user.accessToken))
      .send({ response: authenticator.register(options.body.data.options, HERE) });
    expect(added.status).toBe(201);
    return { user, authenticator };
  }

  async function signIn(authenticator: SoftAuthenticator) {
    const { challengeId } = (await request(ctx.app).post('/api/v1/auth/passkey/options').send({})).body.data;
    return request(ctx.app)
      .post('/api/v1/auth/passkey/verify')
      .send({ challengeId, response: authenticator.assert(challengeId, HERE) });
  }

  it('when REQUIRE_VERIFIED_EMAIL is on and the address is not verified, then 403 EMAIL_NOT_VERIFIED and no session', async () => {
    const { user, authenticator } = await verifiedUser();
    await UserModel.updateOne({ _id: user.id }, { $set: { emailVerified: false } });

    const response = await signIn(authenticator);

    expect(response.status).toBe(403);
    expect(response.body.code).toBe('EMAIL_NOT_VERIFIED');
    expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop' })).toBe(0);
  });

  it('when the password of an account with MFA is reset, then its passkeys stay and the password alone still needs the second factor', async () => {
    const { user, authenticator } = await verifiedUser();
    await enrolMfa(ctx.app, user);
    const token = await ctx.container.services.tokens.mintToken({
      purpose: 'password_reset',
      userId: user.id,
      email: user.email,
      ttlMs: 60_000,
    });
    const newPassword = 'a brand new long password';

    expect((await request(ctx.app).post('/api/v1/auth/password/reset').send({ token, newPassword })).status).toBe(204);

    const passwordLogin = await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: newPassword });
    expect(passwordLogin.status).toBe(403);
    expect(passwordLogin.body.code).toBe('MFA_REQUIRED');
    const passkeyLogin = await signIn(authenticator);
    expect(passkeyLogin.status).toBe(200);
    expect(passkeyLogin.body.data.session.amr).toEqual(['pop', 'mfa']);
  });
});
