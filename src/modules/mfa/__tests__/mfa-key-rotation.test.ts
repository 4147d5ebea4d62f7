import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { OutboxMessageModel } from '../../mail/outbox-message.model';
import { UserModel } from '../../users/user.model';
import { createTestContext, type TestContext } from '../../../../tests/support/context';
import { useTestDatabase } from '../../../../tests/support/database';
import { buildUser, loginAs, totpCode } from '../../../../tests/support/factories';

describe('rotating DATA_ENCRYPTION_KEY', () => {
  useTestDatabase();
  const oldKey = randomBytes(32).toString('hex');
  const newKey = randomBytes(32).toString('hex');
  const contexts: TestContext[] = [];
  const contextWith = (keys: Record<string, string>) => {
    const ctx = createTestContext(keys);
    contexts.push(ctx);
    return ctx;
  };
  afterAll(() => Promise.all(contexts.map((ctx) => ctx.container.close())));

  it('when the old key becomes the previous one, then codes keep working, and data:rekey re-seals every secret under the new key', async () => {
    const before = contextWith({ DATA_ENCRYPTION_KEY: oldKey });
    const user = await buildUser(before.container);
    const signedIn = await loginAs(before.app, user);
    const started = await request(before.app)
      .post('/api/v1/me/mfa/totp')
      .set('Authorization', `Bearer ${signedIn.accessToken}`)
      .send({ password: user.password });
    const secret = started.body.data.secret as string;
    await request(before.app)
      .post('/api/v1/me/mfa/totp/confirm')
      .set('Authorization', `Bearer ${signedIn.accessToken}`)
      .send({ code: totpCode(secret, -1) })
      .expect(200);
    const sealedUnderOld = (await UserModel.findById(user.id).select('+mfaSecret').lean())?.mfaSecret;

    const rotated = contextWith({ DATA_ENCRYPTION_KEY: newKey, DATA_ENCRYPTION_PREVIOUS_KEY: oldKey });
    const login = await request(rotated.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password });
    await request(rotated.app)
      .post('/api/v1/auth/mfa/verify')
      .send({ mfaToken: login.body.mfaToken, code: totpCode(secret) })
      .expect(200);

    expect(await rotated.container.services.mfaCodes.resealSecrets()).toBe(1);
    // data:rekey re-seals the signing keys in the same run.
    expect(await rotated.container.keyRing.resealPrivateKeys()).toBe(1);
    const sealedUnderNew = (await UserModel.findById(user.id).select('+mfaSecret').lean())?.mfaSecret;
    expect(sealedUnderNew).not.toBe(sealedUnderOld);
    expect(await rotated.container.services.mfaCodes.resealSecrets()).toBe(0);

    const newOnly = contextWith({ DATA_ENCRYPTION_KEY: newKey });
    const again = await request(newOnly.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password });
    await request(newOnly.app)
      .post('/api/v1/auth/mfa/verify')
      .send({ mfaToken: again.body.mfaToken, code: totpCode(secret, 1) })
      .expect(200);
  });

  it('when a mail waits sealed under the old key, then data:rekey re-seals its body and the new key alone opens it', async () => {
    const before = contextWith({ DATA_ENCRYPTION_KEY: oldKey });
    const user = await buildUser(before.container);
    const content = { subject: 'Reset your password', text: 'https://app.example.test/reset-password?token=secret', html: '<p>link</p>' };
    await before.container.services.outbox.enqueueMail('password_reset', user.email, content, user.id);
    const sealedUnderOld = await OutboxMessageModel.findOne({ to: user.email }).lean();
    // Every mail waiting here was sealed under the old key (the first test's MFA notice too).
    const waiting = await OutboxMessageModel.countDocuments({ status: 'pending' });

    const rotated = contextWith({ DATA_ENCRYPTION_KEY: newKey, DATA_ENCRYPTION_PREVIOUS_KEY: oldKey });
    expect(await rotated.container.services.outbox.resealBodies()).toBe(waiting);
    expect(await rotated.container.services.outbox.resealBodies()).toBe(0);

    const resealed = await OutboxMessageModel.findOne({ to: user.email }).lean();
    expect(resealed?.text).not.toBe(sealedUnderOld?.text);
    const newOnly = contextWith({ DATA_ENCRYPTION_KEY: newKey });
    expect(newOnly.container.services.outbox.openContent(resealed!)).toEqual(content);
    expect(() => newOnly.container.services.outbox.openContent(sealedUnderOld!)).toThrow();
  });
});
