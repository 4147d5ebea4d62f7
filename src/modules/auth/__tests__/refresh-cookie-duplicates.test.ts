import request from 'supertest';
import { RefreshTokenModel } from '../../sessions/refresh-token.model';
import { SessionModel } from '../../sessions/session.model';
import { useTestApp } from '../../../../tests/support/context';
import { buildUser, loginAs, type SignedIn } from '../../../../tests/support/factories';

/** Cookie tossing: a sibling subdomain sets its own refreshToken, which the browser sends beside ours. */
describe('two refresh cookies in one request', () => {
  const ctx = useTestApp();

  async function tokensOf(signedIn: SignedIn) {
    return RefreshTokenModel.find({ sessionId: signedIn.sessionId }).sort({ generation: 1 }).lean();
  }

  const post = (path: string, cookie: string) =>
    request(ctx.app).post(`/api/v1/auth/${path}`).set('Cookie', cookie).set('Content-Type', 'application/json').send({});

  it.each([
    ['the attacker first', (victim: string, attacker: string) => `${attacker}; ${victim}`],
    ['the victim first', (victim: string, attacker: string) => `${victim}; ${attacker}`],
    ['the same cookie twice', (victim: string) => `${victim}; theme=dark; ${victim}`],
  ])('when refresh gets two (%s), then 401 REFRESH_TOKEN_INVALID and neither token rotates', async (_label, combine) => {
    const victim = await loginAs(ctx.app, await buildUser(ctx.container), 'victim');
    const attacker = await loginAs(ctx.app, await buildUser(ctx.container), 'attacker');
    const [victimBefore, attackerBefore] = [await tokensOf(victim), await tokensOf(attacker)];

    const response = await post('refresh', combine(victim.refreshCookie, attacker.refreshCookie));

    expect(response.status).toBe(401);
    expect(response.body.code).toBe('REFRESH_TOKEN_INVALID');
    expect(response.body.accessToken).toBeUndefined();
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(await tokensOf(victim)).toEqual(victimBefore);
    expect(await tokensOf(attacker)).toEqual(attackerBefore);
    await post('refresh', victim.refreshCookie).expect(200);
  });

  it('when refresh gets two in separate Cookie headers, then 401 too', async () => {
    const victim = await loginAs(ctx.app, await buildUser(ctx.container));
    const attacker = await loginAs(ctx.app, await buildUser(ctx.container));
    const response = await request(ctx.app)
      .post('/api/v1/auth/refresh')
      .set('Cookie', [attacker.refreshCookie, victim.refreshCookie])
      .set('Content-Type', 'application/json')
      .send({});
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('when logout gets two, then 401 REFRESH_TOKEN_INVALID and no session ends', async () => {
    const victim = await loginAs(ctx.app, await buildUser(ctx.container));
    const attacker = await loginAs(ctx.app, await buildUser(ctx.container));

    const response = await post('logout', `${attacker.refreshCookie}; ${victim.refreshCookie}`);

    expect(response.status).toBe(401);
    expect(response.body.code).toBe('REFRESH_TOKEN_INVALID');
    for (const signedIn of [victim, attacker]) {
      expect((await SessionModel.findById(signedIn.sessionId).lean())?.revokedAt).toBeNull();
      expect(await RefreshTokenModel.countDocuments({ sessionId: signedIn.sessionId })).toBe(1);
    }
  });

  it('when another cookie merely shares a prefix of the name, then it is not counted', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const response = await post('refresh', `${signedIn.refreshCookie}; refreshTokenOld=zzz; xrefreshToken=yyy`);
    expect(response.status).toBe(200);
  });
});
