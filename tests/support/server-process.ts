import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { TEST_ENV } from './context';

const ROOT = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 60_000;

export interface LogEntry {
  level: string;
  message: string;
  [key: string]: unknown;
}

/** A real Keyhold process (the tsx entry point) that a test sends requests and signals to. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** Every JSON log line it has printed so far. */
  readonly logs: LogEntry[];
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  signal(name: NodeJS.Signals): void;
  /** Ends it (SIGKILL) if it is still running; call in afterAll. */
  kill(): Promise<void>;
}

/** Starts `src/server.ts` with the test configuration plus `env`, and waits until it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...TEST_ENV, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogEntry[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not listen within ${START_TIMEOUT_MS} ms: ${stderr}`)),
      START_TIMEOUT_MS,
    );
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as LogEntry;
      logs.push(entry);
      if (entry.message === 'keyhold listening') {
        clearTimeout(timer);
        resolve(entry.port as number);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited early (${code}): ${stderr}`));
    });
  });
  return {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    logs,
    exited,
    signal: (name) => void child.kill(name),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
