import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { OutboxMessageModel } from '../../mail/outbox-message.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { PasskeyChallengeModel } from '../passkey-challenge.model';
import { PasskeyModel } from '../passkey.model';
import { useMovingClockApp, useTestApp } from '../../../../tests/support/context';
import { buildUser, eventually, loginAs, type SignedIn, type TestUser } from '../../../../tests/support/factories';
import { SoftAuthenticator, type CeremonyOptions } from '../../../../tests/support/soft-authenticator';

const RP_ID = 'app.example.test';
const ORIGIN = 'https://app.example.test';
const HERE: CeremonyOptions = { origin: ORIGIN, rpId: RP_ID };
const CHALLENGE_TTL_MS = 60_000;
const ENV = { WEBAUTHN_RP_ID: RP_ID, WEBAUTHN_ORIGINS: `${ORIGIN},https://other.example.test`, WEBAUTHN_CHALLENGE_TTL: '1m' };

describe('passkeys', () => {
  const ctx = useTestApp(ENV);
  // Expiry runs on an app of its own whose clock moves, so the other tests' TOTP codes and tokens keep real time.
  const { clock, app: late } = useMovingClockApp(ENV);
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  const registrationOptions = (user: SignedIn, password = user.password) =>
    request(ctx.app).post('/api/v1/me/passkeys/registration-options').set(bearer(user.accessToken)).send({ password });

  async function addPasskey(user: SignedIn, authenticator = new SoftAuthenticator(), options: Partial<CeremonyOptions> = {}) {
    const started = await registrationOptions(user);
    expect(started.status).toBe(200);
    const response = authenticator.register(started.body.data.options, { ...HERE, ...options });
    const added = await request(ctx.app).post('/api/v1/me/passkeys').set(bearer(user.accessToken)).send({ response, name: 'Laptop' });
    expect(added.status).toBe(201);
    return { authenticator, passkey: added.body.data.passkey as { id: string } };
  }

  async function signInOptions(): Promise<string> {
    const response = await request(ctx.app).post('/api/v1/auth/passkey/options').send({});
    expect(response.status).toBe(200);
    return response.body.data.challengeId as string;
  }

  const verify = (challengeId: string, response: unknown) =>
    request(ctx.app).post('/api/v1/auth/passkey/verify').send({ challengeId, response });

  async function signIn(authenticator: SoftAuthenticator, options: Partial<CeremonyOptions & { counter: number }> = {}) {
    const challengeId = await signInOptions();
    return verify(challengeId, authenticator.assert(challengeId, { ...HERE, ...options }));
  }

  async function signedInUser(overrides: Parameters<typeof buildUser>[1] = {}): Promise<SignedIn> {
    return loginAs(ctx.app, await buildUser(ctx.container, overrides));
  }

  describe('POST /api/v1/me/passkeys/registration-options', () => {
    it('when the password is right, then the options ask for a discoverable, user-verified passkey and exclude the existing ones', async () => {
      const user = await signedInUser();
      const { passkey } = await addPasskey(user);

      const response = await registrationOptions(user);

      expect(response.status).toBe(200);
      const { options } = response.body.data;
      expect(options.rp).toEqual({ id: RP_ID, name: 'Keyhold' });
      expect(options.user.name).toBe(user.email);
      expect(Buffer.from(options.user.id, 'base64url').toString('hex')).toBe(user.id);
      expect(options.authenticatorSelection).toMatchObject({
        residentKey: 'required',
        requireResidentKey: true,
        userVerification: 'required',
      });
      expect(options.excludeCredentials.map((credential: { id: string }) => credential.id)).toEqual([passkey.id]);
      expect(await PasskeyChallengeModel.exists({ _id: options.challenge, ceremony: 'registration', userId: user.id })).not.toBeNull();
    });

    it('when the password is wrong, then 403 INVALID_CREDENTIALS, audited as a failed re-authentication, and no challenge is stored', async () => {
      const user = await signedInUser();

      const response = await registrationOptions(user, 'not the password');

      expect(response.status).toBe(403);
      expect(response.body.code).toBe('INVALID_CREDENTIALS');
      expect(await PasskeyChallengeModel.countDocuments({ userId: user.id })).toBe(0);
      await eventually(() => AuditEventModel.exists({ type: 'auth.reauth_failed', targetId: user.id }));
    });

    it('when called without a token or with unknown fields, then 401 and 400', async () => {
      const user = await signedInUser();
      expect((await request(ctx.app).post('/api/v1/me/passkeys/registration-options').send({ password: 'x' })).status).toBe(401);
      const hostile = await request(ctx.app)
        .post('/api/v1/me/passkeys/registration-options')
        .set(bearer(user.accessToken))
        .send({ password: { $gt: '' } });
      expect(hostile.status).toBe(400);
      expect(hostile.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('challenge expiry', () => {
    it('when a registration or sign-in challenge is older than WEBAUTHN_CHALLENGE_TTL, then 400 PASSKEY_INVALID and 401', async () => {
      const user = await loginAs(late.app, await buildUser(late.container));
      const options = (
        await request(late.app)
          .post('/api/v1/me/passkeys/registration-options')
          .set(bearer(user.accessToken))
          .send({ password: user.password })
      ).body.data.options;
      clock.advance(CHALLENGE_TTL_MS + 1);
      const authenticator = new SoftAuthenticator();
      const expired = await request(late.app)
        .post('/api/v1/me/passkeys')
        .set(bearer(user.accessToken))
        .send({ response: authenticator.register(options, HERE) });
      expect(expired.status).toBe(400);
      expect(expired.body.code).toBe('PASSKEY_INVALID');
      expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(0);

      const fresh = (
        await request(late.app)
          .post('/api/v1/me/passkeys/registration-options')
          .set(bearer(user.accessToken))
          .send({ password: user.password })
      ).body.data.options;
      expect(
        (
          await request(late.app)
            .post('/api/v1/me/passkeys')
            .set(bearer(user.accessToken))
            .send({ response: authenticator.register(fresh, HERE) })
        ).status,
      ).toBe(201);
      const { challengeId } = (await request(late.app).post('/api/v1/auth/passkey/options').send({})).body.data;
      clock.advance(CHALLENGE_TTL_MS + 1);
      const signIn = await request(late.app)
        .post('/api/v1/auth/passkey/verify')
        .send({ challengeId, response: authenticator.assert(challengeId, HERE) });
      expect(signIn.status).toBe(401);
      expect(signIn.body.code).toBe('INVALID_CREDENTIALS');
      expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop' })).toBe(0);
    });
  });

  describe('POST /api/v1/me/passkeys', () => {
    it('when the response answers the pending challenge, then the passkey is stored under its credential id, audited and a notice is mailed', async () => {
      const user = await signedInUser();
      const started = await registrationOptions(user);
      const authenticator = new SoftAuthenticator();

      const response = await request(ctx.app)
        .post('/api/v1/me/passkeys')
        .set(bearer(user.accessToken))
        .send({ response: authenticator.register(started.body.data.options, { ...HERE, backupEligible: true }), name: 'Phone' });

      expect(response.status).toBe(201);
      expect(response.body.data.passkey).toEqual({
        id: authenticator.id,
        name: 'Phone',
        createdAt: expect.any(String),
        lastUsedAt: null,
        deviceType: 'multiDevice',
        backedUp: false,
        transports: ['internal'],
      });
      const stored = await PasskeyModel.findById(authenticator.id).lean();
      expect(stored?.userId.toString()).toBe(user.id);
      expect(stored?.counter).toBe(0);
      expect(await PasskeyChallengeModel.exists({ _id: started.body.data.options.challenge })).toBeNull();
      await eventually(() => AuditEventModel.exists({ type: 'user.passkey_added', targetId: user.id }));
      expect(await OutboxMessageModel.exists({ template: 'passkey_added_notice', to: user.email })).not.toBeNull();
    });

    it('when the same response is sent twice, then the second is 400 PASSKEY_INVALID (the challenge was spent)', async () => {
      const user = await signedInUser();
      const started = await registrationOptions(user);
      const body = { response: new SoftAuthenticator().register(started.body.data.options, HERE) };

      const first = await request(ctx.app).post('/api/v1/me/passkeys').set(bearer(user.accessToken)).send(body);
      const replay = await request(ctx.app).post('/api/v1/me/passkeys').set(bearer(user.accessToken)).send(body);

      expect(first.status).toBe(201);
      expect(replay.status).toBe(400);
      expect(replay.body.code).toBe('PASSKEY_INVALID');
      expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(1);
    });

    it.each([
      ['another origin', { origin: 'https://evil.example.test' }],
      ['another RP id', { rpId: 'evil.example.test' }],
      ['no user verification', { userVerified: false }],
    ])('when the response comes with %s, then 400 PASSKEY_INVALID and nothing is stored', async (_case, variation) => {
      const user = await signedInUser();
      const started = await registrationOptions(user);
      const authenticator = new SoftAuthenticator();

      const response = await request(ctx.app)
        .post('/api/v1/me/passkeys')
        .set(bearer(user.accessToken))
        .send({ response: authenticator.register(started.body.data.options, { ...HERE, ...variation }) });

      expect(response.status).toBe(400);
      expect(response.body.code).toBe('PASSKEY_INVALID');
      expect(await PasskeyModel.exists({ _id: authenticator.id })).toBeNull();
    });

    it("when the challenge was another account's, then 400 PASSKEY_INVALID", async () => {
      const user = await signedInUser();
      const other = await signedInUser();
      const othersOptions = (await registrationOptions(other)).body.data.options;
      const foreign = await request(ctx.app)
        .post('/api/v1/me/passkeys')
        .set(bearer(user.accessToken))
        .send({ response: new SoftAuthenticator().register(othersOptions, HERE) });
      expect(foreign.status).toBe(400);
      expect(foreign.body.code).toBe('PASSKEY_INVALID');
      expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(0);
    });

    it('when a credential id is registered already, then 400 PASSKEY_INVALID: ids are unique', async () => {
      const user = await signedInUser();
      const other = await signedInUser();
      const { authenticator } = await addPasskey(user);

      const again = await registrationOptions(other);
      const response = await request(ctx.app)
        .post('/api/v1/me/passkeys')
        .set(bearer(other.accessToken))
        .send({ response: authenticator.register(again.body.data.options, HERE) });

      expect(response.status).toBe(400);
      expect(response.body.code).toBe('PASSKEY_INVALID');
      expect((await PasskeyModel.findById(authenticator.id).lean())?.userId.toString()).toBe(user.id);
    });

    it('when the body is hostile (unknown fields, wrong types, garbage CBOR), then 400 with a stable code', async () => {
      const user = await signedInUser();
      const options = (await registrationOptions(user)).body.data.options;
      const valid = new SoftAuthenticator().register(options, HERE);
      const send = (body: unknown) =>
        request(ctx.app)
          .post('/api/v1/me/passkeys')
          .set(bearer(user.accessToken))
          .send(body as object);

      expect((await send({ response: valid, extra: 1 })).body.code).toBe('VALIDATION_FAILED');
      expect((await send({ response: { ...valid, id: { $ne: '' } } })).body.code).toBe('VALIDATION_FAILED');
      expect((await send({ response: { ...valid, response: { ...valid.response, clientDataJSON: 'not base64url!' } } })).body.code).toBe(
        'VALIDATION_FAILED',
      );
      const garbage = await send({ response: { ...valid, response: { ...valid.response, attestationObject: 'AAAA' } } });
      expect(garbage.status).toBe(400);
      expect(garbage.body.code).toBe('PASSKEY_INVALID');
      expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(0);
    });
  });

  describe('GET, PATCH and DELETE /api/v1/me/passkeys', () => {
    it("when the owner lists, renames and deletes, then each answers and the database follows; another user's passkey is 404", async () => {
      const user = await signedInUser();
      const stranger = await signedInUser();
      const { passkey } = await addPasskey(user);

      const listed = await request(ctx.app).get('/api/v1/me/passkeys').set(bearer(user.accessToken));
      expect(listed.status).toBe(200);
      expect(listed.body.data.map((item: { id: string }) => item.id)).toEqual([passkey.id]);
      expect((await request(ctx.app).get('/api/v1/me/passkeys').set(bearer(stranger.accessToken))).body.data).toEqual([]);

      const path = `/api/v1/me/passkeys/${passkey.id}`;
      expect((await request(ctx.app).patch(path).set(bearer(stranger.accessToken)).send({ name: 'Mine now' })).status).toBe(404);
      expect((await request(ctx.app).delete(path).set(bearer(stranger.accessToken))).status).toBe(404);
      const renamed = await request(ctx.app).patch(path).set(bearer(user.accessToken)).send({ name: '  Work laptop ' });
      expect(renamed.status).toBe(200);
      expect(renamed.body.data.passkey.name).toBe('Work laptop');
      expect((await PasskeyModel.findById(passkey.id).lean())?.name).toBe('Work laptop');

      const removed = await request(ctx.app).delete(path).set(bearer(user.accessToken));
      expect(removed.status).toBe(204);
      expect(await PasskeyModel.exists({ _id: passkey.id })).toBeNull();
      await eventually(() => AuditEventModel.exists({ type: 'user.passkey_removed', targetId: user.id }));
      expect(await OutboxMessageModel.exists({ template: 'passkey_removed_notice', to: user.email })).not.toBeNull();
    });

    it('when called without a token, then 401 on every route', async () => {
      expect((await request(ctx.app).get('/api/v1/me/passkeys')).status).toBe(401);
      expect((await request(ctx.app).patch('/api/v1/me/passkeys/abc').send({ name: 'x' })).status).toBe(401);
      expect((await request(ctx.app).delete('/api/v1/me/passkeys/abc')).status).toBe(401);
      expect((await request(ctx.app).post('/api/v1/me/passkeys').send({})).status).toBe(401);
    });

    it('when the account has no password and this is its only passkey, then 409 LAST_SIGN_IN_METHOD and the passkey stays', async () => {
      const user = await signedInUser();
      const { passkey } = await addPasskey(user);
      await UserModel.collection.updateOne({ _id: new UserModel({ _id: user.id })._id }, { $unset: { passwordHash: '' } });

      const response = await request(ctx.app).delete(`/api/v1/me/passkeys/${passkey.id}`).set(bearer(user.accessToken));

      expect(response.status).toBe(409);
      expect(response.body.code).toBe('LAST_SIGN_IN_METHOD');
      expect(await PasskeyModel.exists({ _id: passkey.id })).not.toBeNull();
    });

    it('when a password-less account deletes its last two passkeys at once, then exactly one deletion succeeds', async () => {
      const user = await signedInUser();
      const first = await addPasskey(user);
      const second = await addPasskey(user);
      await UserModel.collection.updateOne({ _id: new UserModel({ _id: user.id })._id }, { $unset: { passwordHash: '' } });

      const answers = await Promise.all(
        [first, second].map(({ passkey }) => request(ctx.app).delete(`/api/v1/me/passkeys/${passkey.id}`).set(bearer(user.accessToken))),
      );

      expect(answers.map((answer) => answer.status).sort()).toEqual([204, 409]);
      expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(1);
    });

    it('when the account has a password, then its last passkey can go', async () => {
      const user = await signedInUser();
      const { passkey } = await addPasskey(user);
      expect((await request(ctx.app).delete(`/api/v1/me/passkeys/${passkey.id}`).set(bearer(user.accessToken))).status).toBe(204);
    });
  });

  describe('POST /api/v1/auth/passkey/options and /verify', () => {
    it('when a registered passkey signs in, then the login answers like a password login with amr ["pop","mfa"], audited with method passkey', async () => {
      const user = await signedInUser();
      const { authenticator } = await addPasskey(user);
      const options = await request(ctx.app).post('/api/v1/auth/passkey/options').send({});
      expect(options.status).toBe(200);
      expect(options.body.data.options).toMatchObject({ rpId: RP_ID, userVerification: 'required' });
      expect(options.body.data.options.allowCredentials ?? []).toEqual([]);
      const { challengeId } = options.body.data;

      const response = await verify(challengeId, authenticator.assert(challengeId, HERE));

      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({ tokenType: 'Bearer', user: { id: user.id }, session: { amr: ['pop', 'mfa'] } });
      const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
      expect(cookies.some((cookie) => cookie.startsWith('refreshToken='))).toBe(true);
      expect(cookies.some((cookie) => cookie.startsWith('deviceToken='))).toBe(true);
      const session = await SessionModel.findById(response.body.data.session.id).lean();
      expect(session?.amr).toEqual(['pop', 'mfa']);
      const stored = await PasskeyModel.findById(authenticator.id).lean();
      expect(stored?.counter).toBe(1);
      expect(stored?.lastUsedAt).toBeInstanceOf(Date);
      const login = await eventually(() => AuditEventModel.findOne({ type: 'auth.login', sessionId: session?._id }).lean());
      expect(login.details).toEqual({ method: 'passkey' });
      expect((await request(ctx.app).get('/api/v1/me').set(bearer(response.body.data.accessToken))).status).toBe(200);
    });

    it('when ten requests present one challenge at once, then exactly one signs in and one session is opened', async () => {
      const user = await signedInUser();
      // Synced and counterless (as Apple's): only the challenge's single use can stop the copies.
      const { authenticator } = await addPasskey(user, new SoftAuthenticator(), { backupEligible: true, backedUp: true });
      const challengeId = await signInOptions();
      const response = authenticator.assert(challengeId, { ...HERE, counter: 0, backupEligible: true, backedUp: true });

      const answers = await Promise.all(Array.from({ length: 10 }, () => verify(challengeId, response)));

      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      expect(answers.filter((answer) => answer.status === 401).every((answer) => answer.body.code === 'INVALID_CREDENTIALS')).toBe(true);
      expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop' })).toBe(1);
    });

    it.each([
      ['no user verification', { userVerified: false }],
      ['another origin', { origin: 'https://evil.example.test' }],
      ['another RP id', { rpId: 'evil.example.test' }],
    ])('when the assertion has %s, then 401 INVALID_CREDENTIALS and no session', async (_case, variation) => {
      const user = await signedInUser();
      const { authenticator } = await addPasskey(user);

      const response = await signIn(authenticator, variation);

      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_CREDENTIALS');
      expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop' })).toBe(0);
      expect((await PasskeyModel.findById(authenticator.id).lean())?.lastUsedAt).toBeNull();
    });

    it('when the challenge is replayed or unknown, or the passkey is unknown, then 401 INVALID_CREDENTIALS', async () => {
      const user = await signedInUser();
      const { authenticator } = await addPasskey(user);
      const challengeId = await signInOptions();
      const assertion = authenticator.assert(challengeId, HERE);
      expect((await verify(challengeId, assertion)).status).toBe(200);
      expect((await verify(challengeId, assertion)).body.code).toBe('INVALID_CREDENTIALS');

      expect((await verify('bm90LWlzc3VlZA', authenticator.assert('bm90LWlzc3VlZA', HERE))).status).toBe(401);
      const unknown = await signIn(new SoftAuthenticator());
      expect(unknown.status).toBe(401);
      expect(unknown.body.code).toBe('INVALID_CREDENTIALS');
    });

    it('when a device-bound passkey presents a counter that does not increase, then 401, audited, and the stored counter stays', async () => {
      const user = await signedInUser();
      const { authenticator } = await addPasskey(user);
      expect((await signIn(authenticator, { counter: 7 })).status).toBe(200);

      const response = await signIn(authenticator, { counter: 7 });

      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_CREDENTIALS');
      expect((await PasskeyModel.findById(authenticator.id).lean())?.counter).toBe(7);
      const event = await eventually(() => AuditEventModel.findOne({ type: 'auth.passkey_counter_regression', targetId: user.id }).lean());
      expect(event.details).toMatchObject({ storedCounter: 7, presentedCounter: 7, synced: false, refused: true });
    });

    it('when ten assertions of a device-bound passkey carry one counter value at once, then exactly one signs in', async () => {
      const user = await signedInUser();
      const { authenticator } = await addPasskey(user);
      const challenges = await Promise.all(Array.from({ length: 10 }, () => signInOptions()));
      // Each answers its own challenge, as clones of one authenticator would: only the counter can tell them apart.
      const assertions = challenges.map((challengeId) => authenticator.assert(challengeId, { ...HERE, counter: 5 }));

      const answers = await Promise.all(challenges.map((challengeId, index) => verify(challengeId, assertions[index])));

      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop' })).toBe(1);
      expect((await PasskeyModel.findById(authenticator.id).lean())?.counter).toBe(5);
    });

    it('when a synced passkey presents a lower counter, then it signs in, audited, and its new counter and backup flags are stored', async () => {
      const user = await signedInUser();
      const synced = { backupEligible: true, backedUp: false };
      const { authenticator } = await addPasskey(user, new SoftAuthenticator(), synced);
      expect((await signIn(authenticator, { ...synced, counter: 9 })).status).toBe(200);

      const response = await signIn(authenticator, { backupEligible: true, backedUp: true, counter: 3 });

      expect(response.status).toBe(200);
      const stored = await PasskeyModel.findById(authenticator.id).lean();
      expect(stored).toMatchObject({ counter: 3, deviceType: 'multiDevice', backedUp: true });
      const event = await eventually(() => AuditEventModel.findOne({ type: 'auth.passkey_counter_regression', targetId: user.id }).lean());
      expect(event.details).toMatchObject({ storedCounter: 9, presentedCounter: 3, synced: true, refused: false });
    });

    it('when an authenticator keeps no counter (always 0), then every sign-in is accepted', async () => {
      const user = await signedInUser();
      const { authenticator } = await addPasskey(user);
      for (let attempt = 0; attempt < 3; attempt += 1) expect((await signIn(authenticator, { counter: 0 })).status).toBe(200);
    });

    it('when the account is disabled, then 403 ACCOUNT_DISABLED and no session', async () => {
      const user = await signedInUser();
      const { authenticator } = await addPasskey(user);
      await UserModel.updateOne({ _id: user.id }, { $set: { status: 'disabled' } });

      const response = await signIn(authenticator);

      expect(response.status).toBe(403);
      expect(response.body.code).toBe('ACCOUNT_DISABLED');
      expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop' })).toBe(0);
    });

    it('when the body is hostile, then 400 VALIDATION_FAILED', async () => {
      expect((await request(ctx.app).post('/api/v1/auth/passkey/options').send({ userName: 'x' })).body.code).toBe('VALIDATION_FAILED');
      expect((await verify({ $gt: '' } as unknown as string, {})).body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('account safety', () => {
    async function admin(): Promise<SignedIn> {
      return loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
    }

    it("when an admin removes a user's passkeys, then they are gone, the user's sessions end, a notice is mailed and it is audited", async () => {
      const user = await signedInUser();
      const { authenticator } = await addPasskey(user);
      await addPasskey(user);
      const byAdmin = await admin();

      const response = await request(ctx.app).delete(`/api/v1/users/${user.id}/passkeys`).set(bearer(byAdmin.accessToken));

      expect(response.status).toBe(204);
      expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(0);
      expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(0);
      expect((await request(ctx.app).get('/api/v1/me').set(bearer(user.accessToken))).status).toBe(401);
      expect(await OutboxMessageModel.exists({ template: 'passkeys_reset_notice', to: user.email })).not.toBeNull();
      const event = await eventually(() =>
        AuditEventModel.findOne({ type: 'user.passkey_removed', targetId: user.id, actorId: byAdmin.id }).lean(),
      );
      expect(event.details).toMatchObject({ removed: 2, byAdmin: true });
      expect((await signIn(authenticator)).status).toBe(401);
    });

    it('when a non-admin, an admin on their own account or for an unknown user asks, then 403, 403 and 404', async () => {
      const user = await signedInUser();
      const byAdmin = await admin();
      expect((await request(ctx.app).delete(`/api/v1/users/${byAdmin.id}/passkeys`).set(bearer(user.accessToken))).status).toBe(403);
      const own = await request(ctx.app).delete(`/api/v1/users/${byAdmin.id}/passkeys`).set(bearer(byAdmin.accessToken));
      expect(own.status).toBe(403);
      expect(own.body.code).toBe('FORBIDDEN');
      const unknown = await request(ctx.app).delete('/api/v1/users/0123456789abcdef01234567/passkeys').set(bearer(byAdmin.accessToken));
      expect(unknown.status).toBe(404);
    });

    it('when an admin whose role requires MFA signs in with a passkey, then admin routes are open (amr mfa counts as a second factor)', async () => {
      const adminUser: TestUser = await buildUser(ctx.container, { role: 'admin' });
      const passwordOnly = await loginAs(ctx.app, adminUser, 'jest', { mfa: false });
      expect((await request(ctx.app).get('/api/v1/users').set(bearer(passwordOnly.accessToken))).status).toBe(403);
      const { authenticator } = await addPasskey(passwordOnly);

      const signedIn = await signIn(authenticator);

      expect(signedIn.status).toBe(200);
      expect((await request(ctx.app).get('/api/v1/users').set(bearer(signedIn.body.data.accessToken))).status).toBe(200);
    });

    it('when the password is reset, then the passkeys stay and still sign in', async () => {
      const user = await signedInUser();
      const { authenticator } = await addPasskey(user);
      const token = await ctx.container.services.tokens.mintToken({
        purpose: 'password_reset',
        userId: user.id,
        email: user.email,
        ttlMs: 60_000,
      });

      const reset = await request(ctx.app).post('/api/v1/auth/password/reset').send({ token, newPassword: 'a brand new long password' });

      expect(reset.status).toBe(204);
      expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(1);
      expect((await signIn(authenticator)).status).toBe(200);
    });

    it('when the account is deleted, then its passkeys and pending challenges go with it', async () => {
      const user = await signedInUser();
      await addPasskey(user);
      await registrationOptions(user);

      const response = await request(ctx.app).delete('/api/v1/me').set(bearer(user.accessToken)).send({ password: user.password });

      expect(response.status).toBe(204);
      expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(0);
      expect(await PasskeyChallengeModel.countDocuments({ userId: user.id })).toBe(0);
    });
  });
});
