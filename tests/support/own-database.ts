import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const ROOT = path.resolve(__dirname, '../..');
const JAR_CACHE = path.join(ROOT, '.cache/mongo-fallback/jars');
const SERVE = path.join(ROOT, 'scripts/mongo-fallback/Serve.java');

export interface OwnDatabase {
  uri: string;
  /** Stops the server process at once, as a crash would. */
  kill(): Promise<void>;
  /** SIGSTOP: the process keeps its sockets open and answers nothing. */
  freeze(): void;
  /** SIGCONT: it works through whatever arrived meanwhile. */
  thaw(): void;
}

/**
 * A mongo-java-server process of the test's own (the suite's jars, cached by the global setup),
 * for fault tests that stop the database under a running service without touching anyone else's.
 */
export async function startOwnDatabase(): Promise<OwnDatabase> {
  const child: ChildProcess = spawn('java', ['-cp', `${JAR_CACHE}/*`, SERVE, '0'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`mongo-java-server exited with code ${code}`)));
  });
  lines.close();
  const port = /^listening (\d+)$/.exec(line.trim())?.[1];
  if (!port) throw new Error(`mongo-java-server printed "${line}"`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    uri: `mongodb://127.0.0.1:${port}`,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
  };
}
