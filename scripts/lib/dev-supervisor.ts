import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const RESTART_DEBOUNCE_MS = 200;
const READY_POLL_MS = 250;

export interface SupervisorOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  /** Polled after each start; `onReady` runs once it answers 200. */
  readyUrl: string;
  onReady: () => void;
  log: (line: string) => void;
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<boolean> {
  while (child.exitCode === null && child.signalCode === null) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  return false;
}

/**
 * Runs the dev server, restarts it when a file under src/ changes, and passes each SIGINT/SIGTERM the
 * launcher receives to it exactly once. `exited` resolves with the exit code once a signal stopped it.
 */
export function superviseServer(options: SupervisorOptions): { exited: Promise<number> } {
  let child: ChildProcess | undefined;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let resolveExited: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExited = resolve));

  let starts = 0;

  function start(): void {
    const entry = path.join(options.root, 'scripts/dev-server.ts');
    const started = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: options.root,
      env: starts++ === 0 ? options.env : { ...options.env, DEV_RELOAD: 'true' },
      // Its own process group: the terminal's Ctrl-C reaches the launcher only, which passes it on once.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = started;
    started.once('exit', (code, signal) => {
      if (stopping) return resolveExited(code ?? (signal === 'SIGINT' ? 130 : 143));
      if (child === started) options.log(`server exited (${code ?? signal}); waiting for a change under src/ to restart`);
    });
    void waitUntilReady(options.readyUrl, started).then((ready) => ready && !stopping && options.onReady());
  }

  async function restart(reason: string): Promise<void> {
    if (stopping) return;
    options.log(`restarting: ${reason}`);
    const previous = child;
    if (previous && previous.exitCode === null && previous.signalCode === null) {
      await new Promise((resolve) => {
        previous.once('exit', resolve);
        previous.kill('SIGTERM');
      });
    }
    if (!stopping) start();
  }

  const watcher = fs.watch(path.join(options.root, 'src'), { recursive: true }, (_event, file) => {
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => void restart(`src/${file ?? ''} changed`), RESTART_DEBOUNCE_MS);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stopping = true;
      watcher.close();
      clearTimeout(restartTimer);
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
      else resolveExited(0);
    });
  }
  start();
  return { exited };
}
