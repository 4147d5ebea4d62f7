import path from 'node:path';
import request from 'supertest';
import { createGeoLocator } from '../../geoip/geo-locator.service';
import { buildUser, eventually } from '../../../../tests/support/factories';
import { useMailTestApp } from '../../../../tests/support/mail-app';

const FIXTURE = path.resolve(__dirname, '../../../../tests/fixtures/geoip/GeoLite2-City-Test.mmdb');
const NOTICE = /New sign-in from another country/;

describe('POST /api/v1/auth/login from a new country mails a notice', () => {
  const locator = createGeoLocator();
  beforeAll(() => locator.load(FIXTURE));
  const ctx = useMailTestApp({ TRUST_PROXY: 'loopback' }, { geo: locator });

  const loginFrom = (user: { email: string; password: string }, ip: string) =>
    request(ctx.app).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email: user.email, password: user.password }).expect(200);

  it('when an account signs in from Australia twice and then Germany, then exactly one notice arrives, naming Germany', async () => {
    const user = await buildUser(ctx.container, { name: 'Ada' });

    await loginFrom(user, '203.0.113.8');
    await loginFrom(user, '203.0.113.9');
    await loginFrom(user, '198.51.100.20');

    const notice = await ctx.mailbox.waitFor(user.email, NOTICE);
    expect(notice.text).toContain('Germany');
    expect(notice.text).toContain('198.51.100.20');
    expect(notice.text).not.toMatch(/https?:/);
    await ctx.container.jobs.outbox.runOnce();
    await eventually(async () => ctx.mailbox.messagesTo(user.email).length === 1);
    expect(ctx.mailbox.messagesTo(user.email)).toHaveLength(1);
  });
});
