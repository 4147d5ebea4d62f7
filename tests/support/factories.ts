import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import type { Role } from '../../src/config/roles';
import type { Container } from '../../src/container';
import { UserModel, type UserStatus } from '../../src/modules/users/user.model';

export const DEFAULT_PASSWORD = 'correct horse battery staple';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
}

export interface SignedIn extends TestUser {
  accessToken: string;
  refreshCookie: string;
  sessionId: string;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${randomBytes(5).toString('hex')}@example.test`;
}

/** Inserts a user directly (no HTTP), hashing the password the way the service does. */
export async function buildUser(
  container: Container,
  overrides: { email?: string; password?: string; role?: Role; status?: UserStatus; name?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail(overrides.role ?? 'user');
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const user = await UserModel.create({
    email,
    passwordHash: await container.hasher.hash(password),
    name: overrides.name ?? null,
    role: overrides.role ?? 'user',
    status: overrides.status ?? 'active',
  });
  return { id: user.id as string, email, password, role: user.role as Role };
}

/** The `name=value` part of the refresh cookie a response set. */
export function refreshCookieOf(response: request.Response, name = 'refreshToken'): string {
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  const cookie = cookies.find((line) => line.startsWith(`${name}=`));
  if (!cookie) throw new Error(`no ${name} cookie in response`);
  return cookie.split(';')[0]!;
}

/** What a client keeps of a completed login response. */
function signedInFrom(user: TestUser, response: request.Response): SignedIn {
  return {
    ...user,
    accessToken: response.body.data.accessToken as string,
    refreshCookie: refreshCookieOf(response),
    sessionId: response.body.data.session.id as string,
  };
}

/** Second factors of the users the factories enrolled, so later logins of theirs can finish. */
const enrolled = new Map<string, { secret: string; recoveryCodes: string[] }>();

/** The current TOTP code of a secret (as an authenticator app shows it), optionally some steps away. */
export function totpCode(secret: string, offsetSteps = 0, at = Date.now()): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at + offsetSteps * 30_000 });
}

/** Enrols a signed-in user in TOTP over HTTP; the session becomes ['pwd', 'otp']. */
export async function enrolMfa(app: Express, user: SignedIn): Promise<{ secret: string; recoveryCodes: string[] }> {
  const auth = { Authorization: `Bearer ${user.accessToken}` };
  const started = await request(app).post('/api/v1/me/mfa/totp').set(auth).send({ password: user.password });
  if (started.status !== 200) throw new Error(`MFA enrolment failed: ${started.status} ${JSON.stringify(started.body)}`);
  const secret = started.body.data.secret as string;
  const confirmed = await request(app)
    .post('/api/v1/me/mfa/totp/confirm')
    .set(auth)
    .send({ code: totpCode(secret) });
  if (confirmed.status !== 200) throw new Error(`MFA confirmation failed: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  const factor = { secret, recoveryCodes: confirmed.body.data.recoveryCodes as string[] };
  enrolled.set(user.id, factor);
  return factor;
}

/**
 * Logs a user in over HTTP and returns what a client would keep. Admins (MFA_REQUIRED_ROLES' default)
 * are enrolled on their first login and finish later ones with a recovery code (a TOTP step works only
 * once, and tests log in faster than 30 s), so tests about admin rights run with the rule on;
 * `{ mfa: false }` leaves the session without a second factor.
 */
export async function loginAs(app: Express, user: TestUser, userAgent = 'jest', options: { mfa?: boolean } = {}): Promise<SignedIn> {
  const response = await request(app)
    .post('/api/v1/auth/login')
    .set('User-Agent', userAgent)
    .send({ email: user.email, password: user.password });
  if (response.status === 403 && response.body.code === 'MFA_REQUIRED') {
    const factor = enrolled.get(user.id);
    const code = factor?.recoveryCodes.shift();
    if (!code) throw new Error('login needs a second factor the factories do not hold');
    const verified = await request(app)
      .post('/api/v1/auth/mfa/verify')
      .set('User-Agent', userAgent)
      .send({ mfaToken: response.body.mfaToken, code });
    if (verified.status !== 200) throw new Error(`MFA verification failed: ${verified.status} ${JSON.stringify(verified.body)}`);
    return signedInFrom(user, verified);
  }
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  const signedIn = signedInFrom(user, response);
  if (user.role === 'admin' && options.mfa !== false) await enrolMfa(app, signedIn);
  return signedIn;
}

/** Polls until `check` returns a truthy value (for off-request-path writes such as audit events). */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 3000): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > giveUpAt) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
