/**
 * `npm run bench:metrics`: what the metrics cost. Two built servers on one database, identical but for
 * METRICS_ENABLED, take the same GET /api/v1/me load in alternating rounds (so drift on a shared
 * machine hits both alike), and the mean rates are compared. Prints figures; asserts nothing.
 */
import { parseBenchOptions } from './options';
import { runLoad, type LoadFigures } from './load';
import { registerAndLogin, uniqueBenchEmail } from './seed';
import { buildService, provisionBenchDatabase, startServer, type BenchServer } from './server';

const ROUNDS = 3;
const ROUND_S = 10;
const WARMUP_S = 5;
const CONNECTIONS = 20;

const log = (line: string): void => void process.stdout.write(`[bench:metrics] ${line}\n`);

async function startWithMetrics(enabled: boolean, databaseUri: string): Promise<BenchServer> {
  process.env.BENCH_SERVER_METRICS_ENABLED = String(enabled);
  return startServer(parseBenchOptions(['--quick']), databaseUri);
}

function meAt(server: BenchServer, accessToken: string, durationS: number): Promise<LoadFigures> {
  return runLoad({
    url: `${server.baseUrl}/api/v1/me`,
    connections: CONNECTIONS,
    durationS,
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

async function main(): Promise<void> {
  log('building');
  buildService();
  const database = await provisionBenchDatabase(log);
  const servers: BenchServer[] = [];
  try {
    const on = await startWithMetrics(true, database.uri);
    servers.push(on);
    const off = await startWithMetrics(false, database.uri);
    servers.push(off);
    const modes = [
      {
        name: 'metrics on',
        server: on,
        token: (await registerAndLogin(on.baseUrl, uniqueBenchEmail('metrics-on'))).accessToken,
        rates: [] as number[],
      },
      {
        name: 'metrics off',
        server: off,
        token: (await registerAndLogin(off.baseUrl, uniqueBenchEmail('metrics-off'))).accessToken,
        rates: [] as number[],
      },
    ];
    for (const mode of modes) await meAt(mode.server, mode.token, WARMUP_S);
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
        const figures = await meAt(mode.server, mode.token, ROUND_S);
        if (figures.non2xx > 0 || figures.errors > 0) throw new Error(`${mode.name}: ${figures.non2xx} non-2xx, ${figures.errors} errors`);
        mode.rates.push(figures.requestsPerSecond);
        log(
          `round ${round + 1} ${mode.name}: ${figures.requestsPerSecond.toFixed(0)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms`,
        );
      }
    }
    const mean = (rates: number[]): number => rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
    const [withMetrics, without] = modes.map((mode) => mean(mode.rates)) as [number, number];
    log(
      `GET /api/v1/me, ${CONNECTIONS} connections, ${ROUNDS} x ${ROUND_S} s each: metrics on ${withMetrics.toFixed(0)} req/s, ` +
        `off ${without.toFixed(0)} req/s: ${(((withMetrics - without) / without) * 100).toFixed(1)}%`,
    );
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:metrics] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
