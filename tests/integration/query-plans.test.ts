import mongoose, { Types, type Query } from 'mongoose';
import { AuditEventModel } from '../../src/modules/audit/audit-event.model';
import { RefreshTokenModel } from '../../src/modules/sessions/refresh-token.model';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { UserModel } from '../../src/modules/users/user.model';
import { USER_VIEW_PROJECTION } from '../../src/modules/users/user.view';
import { useTestDatabase } from '../support/database';

/*
 * Proves that every query on a hot path is answered from an index, by asking the server for its plan.
 * mongo-java-server (the offline fallback) has no explain command and scans on non-_id fields anyway,
 * so there the plan checks cannot run; the suite then says so instead of passing silently.
 */

const DB_KIND = process.env.KEYHOLD_TEST_DB_KIND;
const PLANS_EXPECTED = DB_KIND !== 'mongo-java-server';
// Stages that read through an index (names differ across server versions and query engines).
const INDEX_STAGES = ['IXSCAN', 'IDHACK', 'EXPRESS_IXSCAN', 'EXPRESS_IDHACK', 'CLUSTERED_IXSCAN', 'COUNT_SCAN'];

/** Every `stage` named anywhere in a plan tree (inputStage, inputStages, queryPlan, ...). */
function stagesOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(stagesOf);
  if (!node || typeof node !== 'object') return [];
  const own = typeof (node as { stage?: unknown }).stage === 'string' ? [(node as { stage: string }).stage] : [];
  return [...own, ...Object.values(node).flatMap(stagesOf)];
}

// Query<unknown, unknown> would reject the models' own document types, so accept any Mongoose query here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see the line above
type AnyQuery = Query<any, any>;

async function winningStages(query: AnyQuery): Promise<string[]> {
  const explained = (await query.explain('queryPlanner')) as unknown as { queryPlanner?: { winningPlan?: unknown } };
  return stagesOf(explained.queryPlanner?.winningPlan);
}

async function seedHotCollections(): Promise<{ userId: Types.ObjectId; sessionId: Types.ObjectId }> {
  const now = Date.now();
  const users = await UserModel.insertMany(
    Array.from({ length: 60 }, (_, i) => ({
      email: `plan.${i}@example.test`,
      passwordHash: 'x',
      role: i % 3 === 0 ? 'admin' : 'user',
      status: i % 5 === 0 ? 'disabled' : 'active',
    })),
  );
  const userId = users[0]!._id;
  const sessions = await SessionModel.insertMany(
    Array.from({ length: 120 }, (_, i) => ({
      userId: users[i % users.length]!._id,
      lastSeenAt: new Date(now - i * 1000),
      expiresAt: new Date(now + 3_600_000),
      absoluteExpiresAt: new Date(now + 7_200_000),
    })),
  );
  await RefreshTokenModel.create({
    _id: 'hash-of-a-token',
    sessionId: sessions[0]!._id,
    userId,
    generation: 0,
    expiresAt: new Date(now + 3_600_000),
  });
  await AuditEventModel.insertMany(
    Array.from({ length: 80 }, (_, i) => ({
      type: i % 2 ? 'auth.login' : 'auth.logout',
      actorId: users[i % 10]!._id,
      targetId: users[i % 7]!._id,
    })),
  );
  return { userId, sessionId: sessions[0]!._id };
}

describe('query plans of the hot paths', () => {
  useTestDatabase();

  if (!PLANS_EXPECTED) {
    it('when the server is mongo-java-server, then explain is unsupported and the plan checks are reported as skipped', async () => {
      await expect(mongoose.connection.db!.command({ explain: { find: 'users', filter: {} } })).rejects.toThrow();
      console.warn('explain unsupported on mongo-java-server; skipped plan checks (run with TEST_MONGODB_URI or mongodb-memory-server)');
    });
    return;
  }

  let ids: { userId: Types.ObjectId; sessionId: Types.ObjectId };
  beforeAll(async () => {
    ids = await seedHotCollections();
  });

  const now = new Date();
  const cases: [string, () => AnyQuery][] = [
    [
      'sessions by _id, a batch of concurrent requests (every authenticated request)',
      () => SessionModel.find({ _id: { $in: [ids.sessionId, new Types.ObjectId()] } }),
    ],
    [
      'users by _id, a batch of concurrent requests (every authenticated request)',
      () => UserModel.find({ _id: { $in: [ids.userId, new Types.ObjectId()] } }, USER_VIEW_PROJECTION),
    ],
    [
      'refresh tokens by _id, their hashes, a batch of concurrent refreshes (every refresh)',
      () => RefreshTokenModel.find({ _id: { $in: ['hash-of-a-token', 'hash-of-another'] } }),
    ],
    [
      'successors of a token, by the unique parentId (storing one is the spend)',
      () => RefreshTokenModel.find({ parentId: 'hash-of-a-token' }),
    ],
    [
      'active sessions of a user, most recent first',
      () => SessionModel.find({ userId: ids.userId, revokedAt: null, expiresAt: { $gt: now } }).sort({ lastSeenAt: -1 }),
    ],
    ['users by role and status, newest first', () => UserModel.find({ role: 'admin', status: 'active' }).sort({ _id: -1 }).limit(20)],
    ['users by role, newest first', () => UserModel.find({ role: 'user' }).sort({ _id: -1 }).limit(20)],
    ['users unfiltered, newest first (GET /users default)', () => UserModel.find({}).sort({ _id: -1 }).limit(20)],
    ['audit events unfiltered, newest first', () => AuditEventModel.find({}).sort({ _id: -1 }).limit(20)],
    ['audit events by type', () => AuditEventModel.find({ type: 'auth.login' }).sort({ _id: -1 }).limit(20)],
    ['audit events by actor', () => AuditEventModel.find({ actorId: ids.userId }).sort({ _id: -1 }).limit(20)],
    ['audit events by target', () => AuditEventModel.find({ targetId: ids.userId }).sort({ _id: -1 }).limit(20)],
  ];

  it.each(cases)('when querying %s, then the winning plan reads an index and never scans the collection', async (_name, build) => {
    const stages = await winningStages(build());

    expect(stages).not.toContain('COLLSCAN');
    expect(stages.some((stage) => INDEX_STAGES.includes(stage))).toBe(true);
  });
});
