import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { UserModel } from '../../src/models/user.model';
import { createTestContext, type TestContext } from '../support/context';
import { useTestDatabase } from '../support/database';
import { buildUser, loginAs, totpCode } from '../support/factories';

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

  it('when the old key becomes the previous one, then codes keep working, and mfa:rekey re-seals every secret under the new key', async () => {
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
});
