import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import type { ProvisionedDatabase } from '../db/provision';
import { configureLogger } from '../../src/lib/logger';
import { withDatabaseName } from '../lib/processes';
import { runLoad, type LoadFigures } from './load';
import { mainThreadCpuSeconds, processCpuSeconds } from './process-cpu';
import { parseBenchOptions } from './options';
import { areaOf, type Frame } from './profile-areas';
import { adminSessionOf, grantOf } from './scenarios';
import { OUTSIDE_VIEW } from './outside-view';
import {
  benchConfig,
  connectAndReset,
  createTokenSigner,
  openSessions,
  promoteToAdmin,
  registerAndLogin,
  seedUsers,
  uniqueBenchEmail,
} from './seed';
import { BENCH_DB_NAME, buildService, provisionBenchDatabase, ROOT, startServer, type BenchServer } from './server';

/**
 * `npm run bench:profile -- <me|users|healthz> [--no-profile] [--no-build]`: the outside-view load on one route
 * against a server started with --cpu-prof, then the server's CPU time per request (the whole process,
 * and its main thread, whose time bounds requests per second) and where its samples went: by area of
 * work, by package and by function (self time). The profile stays in bench-results/ for DevTools. With
 * --no-profile only the CPU per request, unskewed by the profiler: compare a change by it.
 */
const TARGETS = {
  healthz: { path: '/healthz', auth: 'none' },
  me: { path: '/api/v1/me', auth: 'member' },
  users: { path: '/api/v1/users?limit=20', auth: 'admin' },
} as const;

type Target = (typeof TARGETS)[keyof typeof TARGETS];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const log = (line: string): void => void process.stdout.write(`[profile] ${line}\n`);

/** Where a frame's code lives: our source file, a package, Node itself, or what V8 reports (GC, idle). */
function placeOf(url: string): string {
  if (!url) return '(native)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1]!;
  if (url.startsWith('node:')) return 'node';
  const distMatch = /dist\/(src\/.*)$/.exec(url);
  return distMatch ? distMatch[1]! : url;
}

/** The samples of the measured load: the profile's last seconds, as the server stops right after it. */
function measuredWindow(profile: CpuProfile, durationS: number): { nodeIds: number[]; windowS: number } {
  const times: number[] = [];
  let at = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((at += delta));
  // The drain and exit after the load take a moment; leave them and the load's first instant out.
  const end = profile.endTime - 300_000;
  const start = end - (durationS - 0.5) * 1e6;
  const nodeIds = profile.samples.filter((_, index) => times[index]! >= start && times[index]! < end);
  return { nodeIds, windowS: (end - start) / 1e6 };
}

/** Time per area of work, and self time per place and per function, in microseconds per request of the measured load. */
function summarize(profile: CpuProfile, requestsPerSecond: number, durationS: number): string {
  const { nodeIds, windowS } = measuredWindow(profile, durationS);
  const sampleUs = (1e6 * windowS) / Math.max(1, nodeIds.length);
  const requests = requestsPerSecond * windowS;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id] as const)));
  const areaOfNode = new Map<number, string>();
  function* stackOf(id: number): Generator<Frame> {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) yield frames.get(at)!;
  }
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const id of nodeIds) {
    if (!areaOfNode.has(id)) areaOfNode.set(id, areaOf(stackOf(id)));
    const area = areaOfNode.get(id)!;
    byArea.set(area, (byArea.get(area) ?? 0) + 1);
    const frame = frames.get(id)!;
    const place = placeOf(frame.url);
    const name = `${frame.functionName || '(anonymous)'}  ${place}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
    const group = place.startsWith('src/') ? place.split('/').slice(0, 3).join('/') : place;
    byPlace.set(group, (byPlace.get(group) ?? 0) + 1);
  }
  const top = (map: Map<string, number>, count: number): string =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, samples]) => `${((samples * sampleUs) / requests).toFixed(1).padStart(7)} µs  ${name}`)
      .join('\n');
  return [
    `time per request, by area (a sample counts for the innermost area on its stack; see profile-areas.ts):\n${top(byArea, 20)}`,
    `self time per request, by place:\n${top(byPlace, 25)}`,
    `by function:\n${top(byFunction, 40)}`,
  ].join('\n\n');
}

/** CPU seconds so far of each process (or thread) whose time can be read. */
function cpuOf(readers: Record<string, () => number | null>): Record<string, number> {
  const seconds: Record<string, number> = {};
  for (const [name, read] of Object.entries(readers)) {
    const used = read();
    if (used !== null) seconds[name] = used;
  }
  return seconds;
}

/** Seeds what the route needs, warms it up, then runs the outside-view load on it and logs the CPU it cost. */
async function loadTarget(server: BenchServer, database: ProvisionedDatabase, target: Target, profiling: boolean): Promise<LoadFigures> {
  const databaseUri = database.uri;
  const options = parseBenchOptions(['--quick']);
  const config = benchConfig(withDatabaseName(databaseUri, BENCH_DB_NAME), server.jwtSecret);
  const admin = await registerAndLogin(server.baseUrl, uniqueBenchEmail('admin'));
  await promoteToAdmin(admin.id);
  const member = await registerAndLogin(server.baseUrl, uniqueBenchEmail('member'));
  await seedUsers(options.users, member.email);
  const [session] = await openSessions(config, member.id, 1);
  const signer = await createTokenSigner(config);
  const grant = target.auth === 'admin' ? grantOf(admin.id, adminSessionOf(admin)) : grantOf(member.id, session!.sessionId);
  const headers = target.auth === 'none' ? undefined : { authorization: `Bearer ${(await signer.sign(grant)).token}` };
  const url = `${server.baseUrl}${target.path}`;
  await runLoad({ url, connections: OUTSIDE_VIEW.connections, durationS: 2, headers });
  log(`${profiling ? 'profiling' : 'measuring'} ${target.path}: ${OUTSIDE_VIEW.connections} connections, ${OUTSIDE_VIEW.durationS} s`);
  const readers = {
    server: () => processCpuSeconds(server.pid),
    'server main thread': () => mainThreadCpuSeconds(server.pid),
    database: () => (database.pid === undefined ? null : processCpuSeconds(database.pid)),
  };
  const cpuBefore = cpuOf(readers);
  const figures = await runLoad({ url, connections: OUTSIDE_VIEW.connections, durationS: OUTSIDE_VIEW.durationS, headers });
  const cpuAfter = cpuOf(readers);
  const perRequest = Object.entries(cpuAfter)
    .map(([name, seconds]) => `${name} ${((1e6 * (seconds - cpuBefore[name]!)) / figures.requests).toFixed(0)} µs`)
    .join(', ');
  log(
    `${figures.okPerSecond.toFixed(0)} 2xx/s, p50 ${figures.p50Ms} ms; CPU per request: ${perRequest}${profiling ? ' (server profiled: slower)' : ''}`,
  );
  return figures;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'no-profile': { type: 'boolean', default: false }, 'no-build': { type: 'boolean', default: false } },
  });
  const targetName = positionals[0] ?? 'me';
  const target = TARGETS[targetName as keyof typeof TARGETS];
  if (!target) throw new Error(`usage: npm run bench:profile -- <${Object.keys(TARGETS).join('|')}> [--no-profile] [--no-build]`);
  const profiling = !values['no-profile'];
  configureLogger({ level: 'warn', format: 'pretty' });
  // --no-build runs dist/ as it is, e.g. with a temporary probe added to the compiled code.
  if (!values['no-build']) buildService();
  const database = await provisionBenchDatabase(log);
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyhold-profile-'));
  try {
    await connectAndReset(database.uri);
    const server = await startServer(parseBenchOptions(['--quick']), database.uri, {
      nodeArgs: profiling ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    });
    const figures = await loadTarget(server, database, target, profiling).finally(() => server.stop());
    if (!profiling) return;
    const perSecond = figures.requests / OUTSIDE_VIEW.durationS;
    const [file] = fs.readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('the server wrote no profile');
    const kept = path.join(ROOT, 'bench-results', `profile-${targetName}-${Date.now()}.cpuprofile`);
    fs.mkdirSync(path.dirname(kept), { recursive: true });
    fs.copyFileSync(path.join(profileDir, file), kept);
    process.stdout.write(
      `\n${summarize(JSON.parse(fs.readFileSync(kept, 'utf8')) as CpuProfile, perSecond, OUTSIDE_VIEW.durationS)}\n\nprofile: ${kept}\n`,
    );
  } finally {
    fs.rmSync(profileDir, { recursive: true, force: true });
    await mongoose.disconnect();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
