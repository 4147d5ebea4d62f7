import { mongo, Query } from 'mongoose';
import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { LockModel } from '../../users/lock.model';
import { PasskeyChallengeModel } from '../passkey-challenge.model';
import { PasskeyModel } from '../passkey.model';
import { useTestApp } from '../../../../tests/support/context';
import { buildUser, eventually, loginAs, type SignedIn } from '../../../../tests/support/factories';
import { SoftAuthenticator, type CeremonyOptions } from '../../../../tests/support/soft-authenticator';

const RP_ID = 'app.example.test';
const ORIGIN = 'https://app.example.test';
const HERE: CeremonyOptions = { origin: ORIGIN, rpId: RP_ID };
const MAX_PASSKEYS = 3;

/** The query's operation: Mongoose sets `op` on every query, but its type declarations leave it out. */
const operationOf = (query: Query<unknown, unknown>): string | undefined => (query as unknown as { op?: string }).op;
const PARALLEL = 30;

/** WEBAUTHN_MAX_PASSKEYS: refused when the options are asked for, and held at registration however many race. */
describe('the passkey limit per account', () => {
  // A generous lock wait: thirty registrations queue on one account's lock on a loaded machine.
  const ctx = useTestApp({
    WEBAUTHN_RP_ID: RP_ID,
    WEBAUTHN_ORIGINS: ORIGIN,
    WEBAUTHN_MAX_PASSKEYS: String(MAX_PASSKEYS),
    LOCK_WAIT: '60s',
  });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  const registrationOptions = (user: SignedIn) =>
    request(ctx.app).post('/api/v1/me/passkeys/registration-options').set(bearer(user.accessToken)).send({ password: user.password });

  /** Creation options (each with a pending challenge of its own) answered by a new authenticator. */
  async function pendingRegistration(user: SignedIn) {
    const started = await registrationOptions(user);
    expect(started.status).toBe(200);
    return new SoftAuthenticator().register(started.body.data.options, HERE);
  }

  const register = (user: SignedIn, response: unknown) =>
    request(ctx.app).post('/api/v1/me/passkeys').set(bearer(user.accessToken)).send({ response });

  async function userWithPasskeys(count: number): Promise<SignedIn> {
    const user = await loginAs(ctx.app, await buildUser(ctx.container));
    for (let added = 0; added < count; added += 1) expect((await register(user, await pendingRegistration(user))).status).toBe(201);
    return user;
  }

  it('when the account has WEBAUTHN_MAX_PASSKEYS, then the options answer 409 PASSKEY_LIMIT_REACHED until one is removed', async () => {
    const user = await userWithPasskeys(MAX_PASSKEYS);

    const refused = await registrationOptions(user);

    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('PASSKEY_LIMIT_REACHED');
    expect(await PasskeyChallengeModel.countDocuments({ userId: user.id })).toBe(0);
    const [first] = await PasskeyModel.find({ userId: user.id }).lean();
    expect((await request(ctx.app).delete(`/api/v1/me/passkeys/${first!._id}`).set(bearer(user.accessToken))).status).toBe(204);
    expect((await registrationOptions(user)).status).toBe(200);
  });

  it('when options were fetched below the limit and it is reached meanwhile, then registering answers 409 and nothing is stored', async () => {
    const user = await userWithPasskeys(MAX_PASSKEYS - 1);
    const [early, late] = [await pendingRegistration(user), await pendingRegistration(user)];
    expect((await register(user, early)).status).toBe(201);

    const refused = await register(user, late);

    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('PASSKEY_LIMIT_REACHED');
    expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(MAX_PASSKEYS);
    expect(await PasskeyModel.exists({ _id: late.id })).toBeNull();
  });

  it(`when ${PARALLEL} registrations race for the last place, then exactly one is stored and the rest answer 409`, async () => {
    const user = await userWithPasskeys(MAX_PASSKEYS - 1);
    const responses = [];
    for (let index = 0; index < PARALLEL; index += 1) responses.push(await pendingRegistration(user));
    /*
     * The window made as wide as it gets: no registration learns its count of the account's passkeys
     * until all thirty have counted, or are queued on the account's lock (each lock attempt names its
     * holder). Without a guard all thirty then count one place free; with the lock, the first
     * holder counts once the other twenty-nine queue behind it, and they count one after another.
     */
    const lockName = `sign-in-methods:${user.id}`;
    const queuedOnLock = new Set<string>();
    let atCount = 0;
    let openWindow = () => {};
    const everyoneThere = new Promise<void>((resolve) => (openWindow = resolve));
    const arrived = () => (atCount >= PARALLEL || queuedOnLock.size >= PARALLEL) && openWindow();
    const originalExec = Query.prototype.exec;
    const spy = jest.spyOn(Query.prototype, 'exec').mockImplementation(async function (this: Query<unknown, unknown>, ...args) {
      if (this.model.modelName === LockModel.modelName && operationOf(this) === 'findOneAndUpdate' && this.getFilter()._id === lockName) {
        queuedOnLock.add(String((this.getUpdate() as { $set: { holder: string } }).$set.holder));
        arrived();
      }
      if (this.model.modelName !== PasskeyModel.modelName || operationOf(this) !== 'countDocuments') return originalExec.apply(this, args);
      // The count has run when its answer is held back, so every count answered before any insert.
      const counted: unknown = await originalExec.apply(this, args);
      atCount += 1;
      arrived();
      await everyoneThere;
      return counted;
    });
    let answers: request.Response[];
    try {
      answers = await Promise.all(responses.map((response) => register(user, response)));
    } finally {
      spy.mockRestore();
    }

    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(refused.map((answer) => `${answer.status} ${answer.body.code}`)).toEqual(Array(PARALLEL - 1).fill('409 PASSKEY_LIMIT_REACHED'));
    expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(MAX_PASSKEYS);
    await eventually(
      async () => (await AuditEventModel.countDocuments({ type: 'user.passkey_added', targetId: user.id })) === MAX_PASSKEYS,
    );
  });
  it('when the database fails while counting, then 503 SERVICE_UNAVAILABLE, nothing stored, the lock freed, and the next try works', async () => {
    const user = await userWithPasskeys(MAX_PASSKEYS - 1);
    const [failing, retried] = [await pendingRegistration(user), await pendingRegistration(user)];
    const originalExec = Query.prototype.exec;
    const spy = jest.spyOn(Query.prototype, 'exec').mockImplementation(function (this: Query<unknown, unknown>, ...args) {
      if (this.model.modelName === PasskeyModel.modelName && operationOf(this) === 'countDocuments') {
        return Promise.reject(new mongo.MongoNetworkError('connection reset'));
      }
      return originalExec.apply(this, args);
    });
    let answer: request.Response;
    try {
      answer = await register(user, failing);
    } finally {
      spy.mockRestore();
    }

    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('SERVICE_UNAVAILABLE');
    expect(await PasskeyModel.exists({ _id: failing.id })).toBeNull();
    expect(await LockModel.exists({ _id: `sign-in-methods:${user.id}` })).toBeNull();
    expect((await register(user, retried)).status).toBe(201);
    expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(MAX_PASSKEYS);
  });
});
