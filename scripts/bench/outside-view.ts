import { describeHashLimit, measureHashLimit } from './hash-limit';
import { percentile, runLoad, type LoadFigures } from './load';
import { BENCH_PASSWORD } from './seed';
import { adminSessionOf, grantOf, waitForLoginsToDrain, type Row, type RowKey, type ScenarioContext } from './scenarios';

/**
 * The shape of load an outsider points at the service (issue 29): autocannon with 50 connections for
 * 8 seconds, one access token shared by every connection, the rows run one after another in one run.
 * Fixed on purpose, whatever the run's own flags: these are the figures the README's targets are about.
 */
export const OUTSIDE_VIEW = { connections: 50, durationS: 8 } as const;

const JSON_HEADERS = { 'content-type': 'application/json' };

async function sharedToken(context: ScenarioContext, userId: string, sessionId: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${(await context.signer.sign(grantOf(userId, sessionId))).token}` };
}

/** The round whose 2xx/s is the median (the upper one of an even count). */
function medianByThroughput(rounds: LoadFigures[]): LoadFigures {
  return [...rounds].sort((a, b) => a.okPerSecond - b.okPerSecond)[Math.floor(rounds.length / 2)]!;
}

export interface OutsideView {
  rows: Row[];
  /** Each read row's 2xx/s ÷ /healthz's in the same round, the median over the rounds. */
  sideBySide: { me: number; users: number };
}

/** The median over the rounds of a row's 2xx/s ÷ /healthz's in that round. */
function medianRatio(rows: LoadFigures[], healthz: LoadFigures[]): number {
  return percentile(
    rows.map((figures, round) => figures.okPerSecond / (healthz[round]?.okPerSecond ?? Number.NaN)),
    0.5,
  );
}

/** Runs the four outside-view rows and returns them, keyed so the report can take their ratios. */
export async function measureOutsideView(context: ScenarioContext, roundCount: number, log: (line: string) => void): Promise<OutsideView> {
  const { connections, durationS } = OUTSIDE_VIEW;
  const member = context.meSessions[0];
  if (!member) throw new Error('the outside view needs one seeded /me session');
  const memberHeaders = await sharedToken(context, member.userId, member.sessionId);
  const adminHeaders = await sharedToken(context, context.admin.id, adminSessionOf(context.admin));
  const reads: [RowKey, string, () => Promise<LoadFigures>][] = [
    ['outsideHealthz', 'GET /healthz', () => runLoad({ url: `${context.baseUrl}/healthz`, connections, durationS })],
    [
      'outsideMe',
      'GET /me, one shared token',
      () => runLoad({ url: `${context.baseUrl}/api/v1/me`, connections, durationS, headers: memberHeaders }),
    ],
    [
      'outsideUsers',
      `GET /users?limit=20 (${context.options.users.toLocaleString('en-US')} users), one token`,
      () => runLoad({ url: `${context.baseUrl}/api/v1/users?limit=20`, connections, durationS, headers: adminHeaders }),
    ],
  ];
  // Side by side, round after round: a ratio is the median of its rounds' ratios, each of figures
  // measured seconds apart, so neither one slow moment of the machine (or of the JVM under the
  // fallback database) nor its drift over the run moves a ratio on its own.
  const rounds = new Map<RowKey, LoadFigures[]>();
  for (let round = 1; round <= roundCount; round += 1) {
    for (const [key, label, load] of reads) {
      log(`measuring (outside view, round ${round} of ${roundCount}) ${label}`);
      const figures = await load();
      rounds.set(key, [...(rounds.get(key) ?? []), figures]);
      log(
        `  ${figures.okPerSecond.toFixed(1)} 2xx/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, non-2xx ${JSON.stringify(figures.refusals)}`,
      );
    }
  }
  const rows: Row[] = reads.map(([key, label]) => ({
    key,
    label: `outside: ${label}${roundCount > 1 ? ` (median of ${roundCount})` : ''}`,
    connections,
    figures: medianByThroughput(rounds.get(key)!),
  }));
  // Logins once, last: the hashing pool drains for seconds after, which would weigh on a next round.
  const hashLimit = measureHashLimit();
  log(`hash limit just before the logins: ${describeHashLimit(hashLimit)}`);
  log('measuring (outside view) POST /auth/login, one account');
  const login = await runLoad({
    url: `${context.baseUrl}/api/v1/auth/login`,
    connections,
    durationS,
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ email: context.member.email, password: BENCH_PASSWORD }),
  });
  log(`  ${login.okPerSecond.toFixed(1)} 2xx/s, non-2xx ${JSON.stringify(login.refusals)}`);
  rows.push({ key: 'outsideLogin', label: 'outside: POST /auth/login, one account', connections, figures: login, hashLimit });
  await waitForLoginsToDrain(context);
  const healthz = rounds.get('outsideHealthz')!;
  return {
    rows,
    sideBySide: { me: medianRatio(rounds.get('outsideMe')!, healthz), users: medianRatio(rounds.get('outsideUsers')!, healthz) },
  };
}
