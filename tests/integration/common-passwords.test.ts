import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { AccountTokenModel } from '../../src/modules/account-recovery/account-token.model';
import { hashAccountToken } from '../../src/modules/account-recovery/account-token.service';
import { UserModel } from '../../src/modules/users/user.model';
import { createTestContext } from '../support/context';
import { buildUser, loginAs, uniqueEmail } from '../support/factories';
import { useMailTestApp } from '../support/mail-app';
import { linkTokenOf } from '../support/mailbox';

const operatorList = path.join(mkdtempSync(path.join(os.tmpdir(), 'keyhold-blocklist-')), 'refused.txt');
writeFileSync(operatorList, 'Our-Office-Wifi-2026\r\nacme corporation\n\n');

const GOOD_PASSWORD = 'a brand new password for this account';

/** ASVS 6.2.4: registration, reset and change refuse common passwords and the account's own words. */
describe('common passwords (400 PASSWORD_TOO_COMMON)', () => {
  const ctx = useMailTestApp({ PASSWORD_BLOCKLIST_PATH: operatorList, MAIL_RESEND_INTERVAL: '0' });

  const expectTooCommon = (response: request.Response, field = 'password'): void => {
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'PASSWORD_TOO_COMMON', errors: [{ path: field }] });
    expect(response.body.detail).not.toMatch(/list|file/i);
  };

  describe('POST /api/v1/auth/register', () => {
    const register = (email: string, password: string) => request(ctx.app).post('/api/v1/auth/register').send({ email, password });

    it.each([
      ['a common password', 'password1234'],
      ['a common password in other case', 'QwErTyUiOp12'],
      ['the product name with digits', 'Keyhold-2026!'],
      ["the operator's list, in other case", 'our-office-wifi-2026'],
      ["the operator's list (a line with spaces)", 'ACME Corporation'],
    ])('when the password is %s, then 400 PASSWORD_TOO_COMMON and no account is created', async (_case, password) => {
      const email = uniqueEmail('common');
      expectTooCommon(await register(email, password));
      expect(await UserModel.exists({ email })).toBeNull();
    });

    it('when the password is the address or its local part, then it is refused', async () => {
      const email = uniqueEmail('margaret.hamilton');
      expectTooCommon(await register(email, email.toUpperCase()));
      expectTooCommon(await register(email, email.slice(0, email.indexOf('@'))));
      expect(await UserModel.exists({ email })).toBeNull();
    });

    it('when the password is uncommon, then the account is created', async () => {
      const email = uniqueEmail('fine');
      expect((await register(email, GOOD_PASSWORD)).status).toBe(201);
    });
  });

  describe('POST /api/v1/me/password', () => {
    it('when the new password is common or the own address, then 400 PASSWORD_TOO_COMMON and the password stays', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);
      const before = (await UserModel.findById(user.id).select('+passwordHash').lean())?.passwordHash;
      const change = (newPassword: string) =>
        request(ctx.app)
          .post('/api/v1/me/password')
          .set('Authorization', `Bearer ${signedIn.accessToken}`)
          .send({ currentPassword: user.password, newPassword });

      for (const newPassword of ['1q2w3e4r5t6y', user.email, 'OUR-OFFICE-WIFI-2026']) {
        expectTooCommon(await change(newPassword), 'newPassword');
      }

      const after = await UserModel.findById(user.id).select('+passwordHash credentialVersion').lean();
      expect(after?.passwordHash).toBe(before);
      expect(after?.credentialVersion ?? 0).toBe(0);
      expect((await change(GOOD_PASSWORD)).status).toBe(204);
    });
  });

  describe('POST /api/v1/auth/password/reset', () => {
    it('when the new password is common, then 400 PASSWORD_TOO_COMMON, the password stays and the link still works', async () => {
      const user = await buildUser(ctx.container);
      await request(ctx.app).post('/api/v1/auth/password/forgot').send({ email: user.email }).expect(202);
      const token = linkTokenOf(await ctx.mailbox.waitFor(user.email, /Reset your password/), 'reset-password');
      const reset = (newPassword: string) => request(ctx.app).post('/api/v1/auth/password/reset').send({ token, newPassword });

      expectTooCommon(await reset('iloveyou1234'), 'newPassword');
      expectTooCommon(await reset(user.email.slice(0, user.email.indexOf('@'))), 'newPassword');

      expect((await AccountTokenModel.findById(hashAccountToken(token)).lean())?.usedAt ?? null).toBeNull();
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
      expect((await reset(GOOD_PASSWORD)).status).toBe(204);
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: GOOD_PASSWORD }).expect(200);
    });
  });
});

describe('PASSWORD_BLOCKLIST_PATH at start-up', () => {
  it('when the file is missing, then building the service fails with an error naming the file', () => {
    const missing = path.join(os.tmpdir(), 'keyhold-no-such-blocklist.txt');
    expect(() => createTestContext({ PASSWORD_BLOCKLIST_PATH: missing })).toThrow(`cannot read the password list ${missing}`);
  });
});
