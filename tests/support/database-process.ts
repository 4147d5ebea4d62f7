import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { ensureFallbackJars, FALLBACK_DIR, JAR_CACHE } from '../../scripts/db/provision';

const START_TIMEOUT_MS = 60_000;

/** A database server process of a fault test's own, which the test may freeze, thaw and kill. */
export interface DatabaseProcess {
  uri: string;
  /** SIGSTOP: the process keeps its sockets open and answers nothing. */
  freeze(): void;
  /** SIGCONT: it works through whatever arrived meanwhile. */
  thaw(): void;
  stop(): Promise<void>;
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('the database process did not start in time')), START_TIMEOUT_MS);
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      const port = /^listening (\d+)$/.exec(line.trim())?.[1];
      if (port) resolve(Number(port));
      else reject(new Error(`the database process printed "${line}"`));
    });
    child.once('exit', (code) => reject(new Error(`the database process exited with ${code}`)));
  });
}

/** Starts mongo-java-server (memory backend) on a free port; it exits when its stdin closes, so it never outlives the test. */
export async function startDatabaseProcess(): Promise<DatabaseProcess> {
  ensureFallbackJars(() => undefined);
  const child = spawn('java', ['-cp', `${JAR_CACHE}/*`, path.join(FALLBACK_DIR, 'Serve.java'), '0'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await waitForPort(child);
  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }),
  };
}
