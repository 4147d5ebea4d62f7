import type { Config } from '../../src/config/env';
import { SessionModel } from '../../src/modules/sessions/session.model';
import type { AccessTokenIssuer } from '../../src/modules/keys';
import type { HashLimit } from './hash-limit';
import { bodiesInTurn, cookieChainPerConnection, headersPerConnection, percentile, runLoad, type LoadFigures } from './load';
import type { BenchOptions } from './options';
import { BENCH_PASSWORD, seededUserEmail, type Account, type SeededSession } from './seed';

export type RowKey =
  | 'healthz'
  | 'jwks'
  | 'me'
  | 'users'
  | 'audit'
  | 'refresh'
  | 'forgotKnown'
  | 'forgotUnknown'
  | 'login'
  | 'stormMe'
  | 'stormLogin'
  | 'meBig'
  | 'meTwoInstances'
  | 'meMemoryStore'
  | 'habits'
  | 'habitsGzip'
  | 'habitsBrotli'
  | 'checkIn'
  | 'checkInLoaded'
  | 'outsideHealthz'
  | 'outsideMe'
  | 'outsideUsers'
  | 'outsideLogin';

export interface Row {
  key: RowKey;
  label: string;
  connections: number;
  figures: LoadFigures;
  /** A login row's ceiling: the hash limit measured on the idle server just before it (a run's machine speed drifts). */
  hashLimit?: HashLimit;
}

export interface ScenarioContext {
  baseUrl: string;
  options: BenchOptions;
  config: Config;
  signer: AccessTokenIssuer;
  admin: Account;
  member: Account;
  meSessions: SeededSession[];
  refreshSessions: SeededSession[];
  /** Chains spent by the refresh warm-up, so the measured run starts on unspent ones. */
  warmupRefreshSessions: SeededSession[];
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Fresh access tokens, one per session: a long run outlives the 5-minute token lifetime. */
export async function bearerHeaders(context: ScenarioContext): Promise<Record<string, string>[]> {
  return Promise.all(
    context.meSessions.map(async (session) => ({
      authorization: `Bearer ${(await context.signer.sign(grantOf(session.userId, session.sessionId))).token}`,
    })),
  );
}

/** A token's grant as a login of a plain member would make it. */
export function grantOf(userId: string, sessionId: string) {
  return { userId, sessionId, role: 'user', amr: ['pwd'], authTime: new Date() };
}

/** The published keys: every verifier of Keyhold tokens fetches these. */
export function loadJwks(context: ScenarioContext): Promise<LoadFigures> {
  return runLoad({
    url: `${context.baseUrl}/.well-known/jwks.json`,
    connections: context.options.connections,
    durationS: context.options.durationS,
  });
}

export function loadHealthz(context: ScenarioContext, durationS = context.options.durationS): Promise<LoadFigures> {
  return runLoad({ url: `${context.baseUrl}/healthz`, connections: context.options.connections, durationS });
}

/**
 * Makes every /me session due for its sliding-expiry write (one per SESSION_TOUCH_INTERVAL), so each
 * /me row pays the same touches whatever the elapsed time: without this, whether a row includes them
 * depends on how long seeding took, and the 1k-vs-big comparison would compare different work.
 */
async function makeTouchesDue(context: ScenarioContext): Promise<void> {
  const due = new Date(Date.now() - context.config.session.touchIntervalMs - 1000);
  const ids = context.meSessions.map((session) => session.sessionId);
  await SessionModel.updateMany({ _id: { $in: ids } }, { $set: { lastSeenAt: due } });
}

export async function loadMe(context: ScenarioContext, durationS = context.options.durationS): Promise<LoadFigures> {
  return loadMeOn(context, [context.baseUrl], durationS);
}

/**
 * /me spread over instances: each gets an equal share of the connections, run at the same time,
 * and the figures are summed (requests) or taken at the worst (latency).
 */
export async function loadMeOn(context: ScenarioContext, baseUrls: string[], durationS = context.options.durationS): Promise<LoadFigures> {
  await makeTouchesDue(context);
  const headers = await bearerHeaders(context);
  const share = Math.max(1, Math.floor(context.options.connections / baseUrls.length));
  const parts = await Promise.all(
    baseUrls.map((baseUrl) =>
      runLoad({ url: `${baseUrl}/api/v1/me`, connections: share, durationS, setupClient: headersPerConnection(headers) }),
    ),
  );
  return combineFigures(parts);
}

function combineFigures(parts: LoadFigures[]): LoadFigures {
  const sum = (pick: (figures: LoadFigures) => number): number => parts.reduce((total, part) => total + pick(part), 0);
  return {
    requestsPerSecond: sum((part) => part.requestsPerSecond),
    okPerSecond: sum((part) => part.okPerSecond),
    p50Ms: Math.max(...parts.map((part) => part.p50Ms)),
    p99Ms: Math.max(...parts.map((part) => part.p99Ms)),
    requests: sum((part) => part.requests),
    non2xx: sum((part) => part.non2xx),
    errors: sum((part) => part.errors),
    refusals: parts.reduce<Record<string, number>>((total, part) => {
      for (const [status, count] of Object.entries(part.refusals)) total[status] = (total[status] ?? 0) + count;
      return total;
    }, {}),
  };
}

export async function loadUsers(context: ScenarioContext): Promise<LoadFigures> {
  const adminToken = (await context.signer.sign(grantOf(context.admin.id, adminSessionOf(context.admin)))).token;
  return runLoad({
    url: `${context.baseUrl}/api/v1/users?limit=20`,
    connections: context.options.connections,
    durationS: context.options.durationS,
    headers: { authorization: `Bearer ${adminToken}` },
  });
}

export async function loadAudit(context: ScenarioContext): Promise<LoadFigures> {
  const adminToken = (await context.signer.sign(grantOf(context.admin.id, adminSessionOf(context.admin)))).token;
  return runLoad({
    url: `${context.baseUrl}/api/v1/audit-events?limit=20`,
    connections: context.options.connections,
    durationS: context.options.durationS,
    headers: { authorization: `Bearer ${adminToken}` },
  });
}

/** The admin's login session, read from the token the API issued (its `sid` claim). */
export function adminSessionOf(admin: Pick<Account, 'accessToken'>): string {
  const payload = admin.accessToken.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sid: string }).sid;
}

export function loadRefresh(
  context: ScenarioContext,
  chains = context.refreshSessions,
  durationS = context.options.durationS,
): Promise<LoadFigures> {
  const name = context.config.cookie.name;
  const cookies = chains.map((session) => `${name}=${session.refreshToken}`);
  return runLoad({
    url: `${context.baseUrl}/api/v1/auth/refresh`,
    connections: Math.min(context.options.connections, cookies.length),
    durationS,
    method: 'POST',
    headers: JSON_HEADERS,
    body: '{}',
    setupClient: cookieChainPerConnection(cookies, JSON_HEADERS, name),
  });
}

/** One forgot-password load: a body per address, and the exact p50 of its response times. */
async function loadForgotFor(context: ScenarioContext, emails: string[], connections: number): Promise<LoadFigures> {
  const durationsMs: number[] = [];
  const figures = await runLoad({
    url: `${context.baseUrl}/api/v1/auth/password/forgot`,
    connections,
    durationS: context.options.durationS,
    method: 'POST',
    headers: JSON_HEADERS,
    setupClient: bodiesInTurn(
      emails.map((email) => JSON.stringify({ email })),
      durationsMs,
    ),
  });
  return { ...figures, p50Ms: percentile(durationsMs, 0.5), p99Ms: percentile(durationsMs, 0.99) };
}

/**
 * Forgot-password for registered, active addresses and for addresses nobody registered, at the same
 * time on half the connections each, so whatever the worker does in the background weighs on both
 * alike. Each request names the next address of its list; both lists are equally long.
 */
export async function loadForgotPassword(context: ScenarioContext): Promise<{ known: LoadFigures; unknown: LoadFigures }> {
  const known = Array.from({ length: context.options.users }, (_, index) => index)
    .filter((index) => index % 10 !== 0)
    .map(seededUserEmail);
  const unknown = known.map((_, index) => `nobody.${index}@bench.test`);
  const half = Math.max(1, Math.floor(context.options.connections / 2));
  const [knownFigures, unknownFigures] = await Promise.all([loadForgotFor(context, known, half), loadForgotFor(context, unknown, half)]);
  return { known: knownFigures, unknown: unknownFigures };
}

export function loadLogin(context: ScenarioContext): Promise<LoadFigures> {
  return runLoad({
    url: `${context.baseUrl}/api/v1/auth/login`,
    connections: context.options.loginConnections,
    durationS: context.options.durationS,
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ email: context.member.email, password: BENCH_PASSWORD }),
  });
}

/**
 * autocannon stops at its deadline, but the server still hashes the logins it had accepted. One more
 * login queues behind them, so once it answers the hashing pool is idle and the next row starts clean.
 */
export async function waitForLoginsToDrain(context: ScenarioContext): Promise<void> {
  for (;;) {
    const response = await fetch(`${context.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ email: context.member.email, password: BENCH_PASSWORD }),
    });
    if (response.status === 200) return;
    // 503 BUSY: the queue is still full; wait as told and try again.
    if (response.status !== 503) throw new Error(`draining login answered ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000));
  }
}

export interface StormFigures {
  logins: number;
  accepted: number;
  busy: number;
  other: number;
  slowestMs: number;
  slowestAcceptedMs: number;
  slowestBusyMs: number;
}

/** Fires `stormLogins` correct logins at once: how long does the slowest wait, and how many are refused BUSY? */
export async function runLoginStorm(context: ScenarioContext): Promise<StormFigures> {
  const body = JSON.stringify({ email: context.member.email, password: BENCH_PASSWORD });
  const answers = await Promise.all(
    Array.from({ length: context.options.stormLogins }, async () => {
      const started = performance.now();
      const response = await fetch(`${context.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: JSON_HEADERS, body });
      await response.arrayBuffer();
      return { status: response.status, ms: performance.now() - started };
    }),
  );
  const slowest = (status?: number): number =>
    Math.max(0, ...answers.filter((answer) => status === undefined || answer.status === status).map((answer) => answer.ms));
  const accepted = answers.filter((answer) => answer.status === 200).length;
  const busy = answers.filter((answer) => answer.status === 503).length;
  return {
    logins: answers.length,
    accepted,
    busy,
    other: answers.length - accepted - busy,
    slowestMs: slowest(),
    slowestAcceptedMs: slowest(200),
    slowestBusyMs: slowest(503),
  };
}

/** GET /me while logins run flat out alongside: does password hashing starve the event loop? */
export async function loadStorm(context: ScenarioContext): Promise<{ me: LoadFigures; login: LoadFigures }> {
  const [me, login] = await Promise.all([loadMe(context), loadLogin(context)]);
  return { me, login };
}
