import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ensureFallbackJars, FALLBACK_DIR, JAR_CACHE } from '../../scripts/db/provision';

const START_TIMEOUT_MS = 60_000;

/**
 * A database server process of a fault test's own (mongo-java-server on 127.0.0.1), which the test
 * really stops (SIGKILL), freezes (SIGSTOP/SIGCONT) and restarts on the same port, without touching
 * anyone else's. The memory backend comes back empty after a restart; give `h2File` for data that
 * must survive one.
 */
export interface OwnDatabase {
  /** mongodb://127.0.0.1:<port> (no database name); the same after a restart. */
  readonly uri: string;
  readonly port: number;
  /** Stops the server process at once, as a crash would: its port refuses connections. */
  kill(): Promise<void>;
  /**
   * SIGSTOP, resolved once every thread of the process has stopped: from then on it keeps its sockets
   * open and answers nothing (a request sent before that could still be answered).
   */
  freeze(): Promise<void>;
  /** SIGCONT: it works through whatever arrived meanwhile. */
  thaw(): void;
  /** Starts the server again on the same port (killing it first if it still runs). */
  restart(): Promise<void>;
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const timer = setTimeout(() => finish(new Error(`mongo-java-server did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    function finish(error: Error | null, port?: number): void {
      clearTimeout(timer);
      lines.close();
      if (error) reject(error);
      else resolve(port!);
    }
    // JVM warnings may come before the announcement, so every line is looked at.
    lines.on('line', (line) => {
      const port = /^listening (\d+)$/.exec(line.trim())?.[1];
      if (port) finish(null, Number(port));
    });
    child.once('exit', (code, signal) => finish(new Error(`mongo-java-server exited (${code ?? signal}): ${stderr.trim()}`)));
  });
}

const STOP_TIMEOUT_MS = 5000;

/** True when every thread of the process is stopped by a signal ('T' in /proc/<pid>/task/<tid>/stat). */
function allThreadsStopped(pid: number): boolean {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.every((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
  });
}

async function stopped(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (!allThreadsStopped(child.pid!)) {
    if (Date.now() > deadline) throw new Error(`mongo-java-server did not stop within ${STOP_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a mongo-java-server of the caller's own (a free port unless `port` is given). */
export async function startOwnDatabase(options: { port?: number; h2File?: string } = {}): Promise<OwnDatabase> {
  ensureFallbackJars((line) => process.stdout.write(`[own-db] ${line}\n`));
  let child: ChildProcess | undefined;
  let port = options.port ?? 0;

  async function launch(): Promise<void> {
    const args = ['-cp', `${JAR_CACHE}/*`, path.join(FALLBACK_DIR, 'Serve.java'), String(port)];
    if (options.h2File) args.push(options.h2File);
    // stdin stays open: Serve.java exits when it closes, so the server cannot outlive the test process.
    child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    port = await waitForPort(child).catch((error: unknown) => {
      child?.kill('SIGKILL');
      throw error;
    });
  }

  async function kill(): Promise<void> {
    if (!child) return;
    const current = child;
    // A frozen process ignores nothing but SIGKILL; SIGCONT first lets it exit cleanly for the next launch.
    current.kill('SIGCONT');
    current.kill('SIGKILL');
    await exited(current);
  }

  await launch();
  return {
    get uri() {
      return `mongodb://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    kill,
    async freeze() {
      if (!child) return;
      child.kill('SIGSTOP');
      await stopped(child);
    },
    thaw: () => void child?.kill('SIGCONT'),
    async restart() {
      await kill();
      await launch();
    },
  };
}
