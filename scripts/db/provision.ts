import { spawn, spawnSync, type ChildProcess, type SpawnOptionsWithStdioTuple } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readTaggedAnswer } from './child-answer';

const ROOT = path.resolve(__dirname, '../..');
export const FALLBACK_DIR = path.join(ROOT, 'scripts/mongo-fallback');
export const JAR_CACHE = path.join(ROOT, '.cache/mongo-fallback/jars');
const JAR_MARKER = path.join(JAR_CACHE, '.complete');

/*
 * A database child runs in a process group of its own, so a Ctrl-C meant for its parent cannot stop it
 * before the parent's server has finished its writes; it exits when its standard input closes, which
 * also happens when the parent dies.
 */
const CHILD_OPTIONS: SpawnOptionsWithStdioTuple<'pipe', 'pipe', 'pipe'> = { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], detached: true };

export type DatabaseKind = 'TEST_MONGODB_URI' | 'MONGODB_URI' | 'mongodb-memory-server' | 'mongo-java-server';

export interface ProvisionedDatabase {
  kind: DatabaseKind;
  uri: string;
  /** Why the earlier options in the order were skipped. */
  skipped: string[];
  /** The server's own process, when this process started it directly (mongo-java-server), e.g. to read its CPU time. */
  pid?: number;
  stop(): Promise<void>;
}

export interface ProvisionOptions {
  /** A database given by the user; used as is. */
  externalUri?: { name: 'TEST_MONGODB_URI' | 'MONGODB_URI'; uri: string | undefined };
  /** Keep data here across restarts (npm run dev); in memory otherwise (tests). */
  dataDir?: string;
  /** Why not to try mongodb-memory-server at all (the caller knows it cannot be had here). */
  skipMemoryServer?: string;
  /** How long mongodb-memory-server may take (binary download included) before we fall back. */
  memoryServerTimeoutMs: number;
  log: (line: string) => void;
}

/** Ends a child that lives until its stdin closes; kills it if it does not leave in time. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.stdin?.end();
  });
}

async function startMemoryServer(options: ProvisionOptions): Promise<ProvisionedDatabase> {
  const args = ['--import', 'tsx', path.join(__dirname, 'memory-server-child.ts')];
  if (options.dataDir) {
    const dbPath = path.join(options.dataDir, 'mongod');
    fs.mkdirSync(dbPath, { recursive: true });
    args.push(dbPath);
  }
  const child = spawn(process.execPath, args, CHILD_OPTIONS);
  try {
    const answer = await readTaggedAnswer(child, { timeoutMs: options.memoryServerTimeoutMs, what: 'mongodb-memory-server' });
    const reply = JSON.parse(answer) as {
      uri?: string;
      error?: string;
    };
    if (!reply.uri) throw new Error(reply.error ?? 'no URI');
    return { kind: 'mongodb-memory-server', uri: reply.uri, skipped: [], stop: () => stopChild(child) };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Fetches the mongo-java-server jars into the cache once. */
export function ensureFallbackJars(log: (line: string) => void): void {
  if (fs.existsSync(JAR_MARKER)) return;
  log('fetching mongo-java-server jars from Maven Central (once, about 20 s)');
  const result = spawnSync(
    'mvn',
    ['-q', '-f', path.join(FALLBACK_DIR, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${JAR_CACHE}`],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`mvn could not fetch mongo-java-server (exit ${result.status})`);
  fs.writeFileSync(JAR_MARKER, new Date().toISOString());
}

async function startJavaServer(options: ProvisionOptions): Promise<ProvisionedDatabase> {
  ensureFallbackJars(options.log);
  const args = ['-cp', `${JAR_CACHE}/*`, path.join(FALLBACK_DIR, 'Serve.java'), '0'];
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    args.push(path.join(options.dataDir, 'keyhold.h2.mv.db'));
  }
  const child = spawn('java', args, CHILD_OPTIONS);
  // Serve.java announces itself as "listening <port>"; JVM warnings may come first.
  const answer = await readTaggedAnswer(child, { tag: 'listening ', timeoutMs: 60_000, what: 'mongo-java-server' }).catch(
    (error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    },
  );
  const port = /^\d+$/.exec(answer.trim())?.[0];
  if (!port) {
    child.kill('SIGKILL');
    throw new Error(`mongo-java-server printed "listening ${answer}"`);
  }
  return { kind: 'mongo-java-server', uri: `mongodb://127.0.0.1:${port}`, skipped: [], pid: child.pid, stop: () => stopChild(child) };
}

/**
 * Finds a MongoDB wire-protocol server in the order TESTING.md gives: a URI the user set,
 * then mongodb-memory-server (a real mongod), then mongo-java-server (offline fallback).
 */
export async function provisionDatabase(options: ProvisionOptions): Promise<ProvisionedDatabase> {
  const skipped: string[] = [];
  const external = options.externalUri;
  if (external?.uri) {
    return { kind: external.name, uri: external.uri, skipped, stop: () => Promise.resolve() };
  }
  if (external) skipped.push(`${external.name} is not set`);
  if (options.skipMemoryServer) {
    skipped.push(`mongodb-memory-server not tried: ${options.skipMemoryServer}`);
  } else {
    try {
      const started = await startMemoryServer(options);
      return { ...started, skipped };
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 300);
      skipped.push(`mongodb-memory-server unavailable: ${reason}`);
    }
  }
  const started = await startJavaServer(options);
  return { ...started, skipped };
}
