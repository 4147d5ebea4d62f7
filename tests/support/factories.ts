import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import type { Role } from '../../src/config/roles';
import type { Container } from '../../src/container';
import { UserModel, type UserStatus } from '../../src/models/user.model';

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

/** Logs a user in over HTTP and returns what a client would keep. */
export async function loginAs(app: Express, user: TestUser, userAgent = 'jest'): Promise<SignedIn> {
  const response = await request(app)
    .post('/api/v1/auth/login')
    .set('User-Agent', userAgent)
    .send({ email: user.email, password: user.password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return {
    ...user,
    accessToken: response.body.data.accessToken as string,
    refreshCookie: refreshCookieOf(response),
    sessionId: response.body.data.session.id as string,
  };
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
