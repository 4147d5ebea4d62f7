import mongoose, { Types } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config/env';
import { connectDatabase } from '../../src/db/connection';
import { AuditEventModel } from '../../src/modules/audit/audit-event.model';
import { createSecretBox } from '../../src/lib/secret-box';
import { createAuditService } from '../../src/modules/audit';
import { createAccessTokenIssuer, createKeyRing, type AccessTokenIssuer } from '../../src/modules/keys';
import { createRefreshTokenService, createSessionService, createSuccessorDeriver } from '../../src/modules/sessions';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { createUserRecords } from '../../src/modules/users';
import { UserModel } from '../../src/modules/users/user.model';
import { BENCH_DB_NAME, BENCH_TOKEN_ISSUER, benchEncryptionKey } from './server';

export const BENCH_PASSWORD = 'bench-password-long-enough-1';
const BATCH_SIZE = 10_000;
const BENCH_CLIENT = { ip: '127.0.0.1', userAgent: 'keyhold-bench' };

export interface Account {
  id: string;
  email: string;
  accessToken: string;
}

export interface SeededSession {
  sessionId: string;
  userId: string;
  refreshToken: string;
}

/** The server's own configuration for this run, so seeded sessions and tokens match what it issues. */
export function benchConfig(databaseUri: string, jwtSecret: string): Config {
  return loadConfig({
    NODE_ENV: 'production',
    MONGODB_URI: databaseUri,
    JWT_SECRET: jwtSecret,
    DATA_ENCRYPTION_KEY: benchEncryptionKey(jwtSecret),
    TOKEN_ISSUER: BENCH_TOKEN_ISSUER,
  });
}

/** Signs like the servers do, with the ring they created in the benchmark database (same DATA_ENCRYPTION_KEY). */
export async function createTokenSigner(config: Config): Promise<AccessTokenIssuer> {
  const now = () => new Date();
  const ring = createKeyRing({
    algorithm: config.tokens.algorithm,
    timings: config.tokens,
    box: createSecretBox(config.encryption),
    now,
    audit: createAuditService({ now }),
  });
  await ring.ensureLoaded();
  return createAccessTokenIssuer({ ring, settings: config.tokens, now });
}

/** Connects this process to the benchmark database and empties it, so every run starts alike. */
export async function connectAndReset(databaseUri: string): Promise<void> {
  await connectDatabase({ uri: databaseUri, dbName: BENCH_DB_NAME, serverSelectionTimeoutMs: 10_000, maxPoolSize: 10, connectRetries: 3 });
  await mongoose.connection.dropDatabase();
}

async function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Registers and logs in through the API, as a real client would. */
export async function registerAndLogin(baseUrl: string, email: string): Promise<Account> {
  const registered = await postJson(`${baseUrl}/api/v1/auth/register`, { email, password: BENCH_PASSWORD });
  if (registered.status !== 201 && registered.status !== 200)
    throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
  const login = await postJson(`${baseUrl}/api/v1/auth/login`, { email, password: BENCH_PASSWORD });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const body = (await login.json()) as { data: { accessToken: string; user: { id: string } } };
  return { id: body.data.user.id, email, accessToken: body.data.accessToken };
}

export async function promoteToAdmin(userId: string): Promise<void> {
  await UserModel.updateOne({ _id: userId }, { $set: { role: 'admin' } });
}

async function insertInBatches(collection: mongoose.mongo.Collection, total: number, build: (index: number) => object): Promise<void> {
  for (let start = 0; start < total; start += BATCH_SIZE) {
    const size = Math.min(BATCH_SIZE, total - start);
    const docs = Array.from({ length: size }, (_, offset) => build(start + offset));
    await collection.insertMany(docs, { ordered: false });
  }
}

/** Bulk users for the list, sharing one real bcrypt hash (computing thousands would take minutes). */
/** The address of the seeded user with this index; every tenth one is disabled. */
export function seededUserEmail(index: number): string {
  return `bench.user.${index}@bench.test`;
}

export async function seedUsers(count: number, copyHashFrom: string): Promise<Types.ObjectId[]> {
  const stored = await UserModel.findOne({ email: copyHashFrom }).select('+passwordHash').lean();
  if (!stored) throw new Error(`no user ${copyHashFrom} to copy a password hash from`);
  const ids = Array.from({ length: count }, () => new Types.ObjectId());
  const roles = ['user', 'user', 'user', 'moderator'];
  const created = Date.now();
  await insertInBatches(UserModel.collection, count, (index) => ({
    _id: ids[index],
    email: seededUserEmail(index),
    passwordHash: stored.passwordHash,
    name: `Bench User ${index}`,
    role: roles[index % roles.length],
    status: index % 10 === 0 ? 'disabled' : 'active',
    lastLoginAt: null,
    passwordChangedAt: null,
    createdAt: new Date(created - (count - index) * 1000),
    updatedAt: new Date(created - (count - index) * 1000),
  }));
  return ids;
}

/** Opens sessions with the service's own code, each with a first refresh token, for one user. */
export async function openSessions(config: Config, userId: string, count: number): Promise<SeededSession[]> {
  const now = () => new Date();
  const sessions = createSessionService({ session: config.session, now, existingUserIds: createUserRecords({ now }).existingIds });
  const tokens = createRefreshTokenService({
    session: config.session,
    now: () => new Date(),
    successors: createSuccessorDeriver(config.jwt),
  });
  const opened: SeededSession[] = [];
  for (let i = 0; i < count; i++) {
    // Bench users never change their password: every session is at credential version 0.
    const session = await sessions.startSession(userId, BENCH_CLIENT, null, 0);
    opened.push({ sessionId: session._id.toString(), userId, refreshToken: await tokens.issueToken(session) });
  }
  return opened;
}

function fillerSession(userIds: Types.ObjectId[], index: number, now: number, config: Config): object {
  const lastSeenAt = new Date(now - (index % 86_400) * 1000);
  return {
    userId: userIds[index % userIds.length],
    ip: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) keyhold-bench',
    device: { type: 'desktop', browser: 'Firefox', os: 'Linux' },
    location: null,
    lastSeenAt,
    expiresAt: new Date(lastSeenAt.getTime() + config.session.idleTtlMs),
    absoluteExpiresAt: new Date(now + config.session.absoluteTtlMs),
    revokedAt: index % 5 === 0 ? lastSeenAt : null,
    revokedReason: index % 5 === 0 ? 'logout' : null,
    createdAt: lastSeenAt,
  };
}

/** Inserts filler sessions until `target` are stored; returns how many were added and how long it took. */
export async function fillSessions(config: Config, userIds: Types.ObjectId[], target: number): Promise<{ inserted: number; ms: number }> {
  const started = Date.now();
  const missing = Math.max(0, target - (await SessionModel.estimatedDocumentCount()));
  await insertInBatches(SessionModel.collection, missing, (index) => fillerSession(userIds, index, started, config));
  return { inserted: missing, ms: Date.now() - started };
}

export function uniqueBenchEmail(prefix: string): string {
  return `${prefix}.${randomBytes(4).toString('hex')}@bench.test`;
}

/** Bulk audit events for the audit list, spread over the seeded users as actors and targets. */
export async function seedAuditEvents(count: number, userIds: Types.ObjectId[]): Promise<void> {
  const types = ['auth.login', 'auth.login_failed', 'auth.refresh_reuse', 'user.role_changed'];
  const created = Date.now();
  await insertInBatches(AuditEventModel.collection, count, (index) => ({
    type: types[index % types.length],
    actorId: userIds[index % userIds.length] ?? null,
    targetId: userIds[(index * 7) % userIds.length] ?? null,
    sessionId: null,
    ip: '10.0.0.1',
    location: null,
    details: {},
    createdAt: new Date(created - (count - index) * 1000),
  }));
}
