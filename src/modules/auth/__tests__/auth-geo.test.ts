import path from 'node:path';
import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { SessionModel } from '../../sessions/session.model';
import { createGeoLocator, type GeoLocator } from '../../geoip/geo-locator.service';
import { useTestDatabase } from '../../../../tests/support/database';
import { createTestContext, type TestContext } from '../../../../tests/support/context';
import { buildUser } from '../../../../tests/support/factories';

const FIXTURE = path.resolve(__dirname, '../../../../tests/fixtures/geoip/GeoLite2-City-Test.mmdb');
const SYDNEY = { city: 'Sydney', region: 'New South Wales', country: 'Australia', countryCode: 'AU' };

describe('POST /api/v1/auth/login records where a login came from', () => {
  useTestDatabase();
  let locator: GeoLocator;
  let behindProxy: TestContext;
  let direct: TestContext;
  beforeAll(async () => {
    locator = createGeoLocator();
    await locator.load(FIXTURE);
    behindProxy = createTestContext({ TRUST_PROXY: 'loopback' }, { geo: locator });
    direct = createTestContext({}, { geo: locator });
  });
  afterAll(async () => {
    await behindProxy.container.close();
    await direct.container.close();
  });

  const login = (ctx: TestContext, user: { email: string; password: string }, forwardedFor?: string) => {
    const call = request(ctx.app).post('/api/v1/auth/login');
    if (forwardedFor) call.set('X-Forwarded-For', forwardedFor);
    return call.send({ email: user.email, password: user.password });
  };

  it('when a trusted proxy forwards an IPv4-mapped public address, then the session stores its location', async () => {
    const user = await buildUser(behindProxy.container);

    const response = await login(behindProxy, user, '::ffff:203.0.113.7');

    expect(response.status).toBe(200);
    expect(response.body.data.session).toMatchObject({ ip: '203.0.113.7', location: SYDNEY });
    const stored = await SessionModel.findById(response.body.data.session.id).lean();
    expect(stored?.location).toMatchObject(SYDNEY);
    await behindProxy.container.services.audit.flush();
    const event = await AuditEventModel.findOne({ type: 'auth.login', targetId: user.id }).lean();
    expect(event?.location).toMatchObject(SYDNEY);
  });

  it('when a user logs in from a new country, then auth.login_new_location is recorded once per country', async () => {
    const user = await buildUser(behindProxy.container);
    await login(behindProxy, user, '203.0.113.8').expect(200);
    await login(behindProxy, user, '203.0.113.9').expect(200);
    await login(behindProxy, user, '198.51.100.20').expect(200);
    await behindProxy.container.services.audit.flush();

    const events = await AuditEventModel.find({ type: 'auth.login_new_location', targetId: user.id }).sort({ createdAt: 1 }).lean();

    expect(events.map((event) => (event.details as { countryCode: string }).countryCode)).toEqual(['AU', 'DE']);
  });

  it('when the client connects from loopback, then the location is null', async () => {
    const user = await buildUser(direct.container);
    const response = await login(direct, user);
    expect(response.body.data.session.location).toBeNull();
  });

  it('when X-Forwarded-For is sent but no proxy is trusted, then it is ignored', async () => {
    const user = await buildUser(direct.container);
    const response = await login(direct, user, '203.0.113.7');
    expect(response.body.data.session.ip).not.toBe('203.0.113.7');
    expect(response.body.data.session.location).toBeNull();
  });
});
