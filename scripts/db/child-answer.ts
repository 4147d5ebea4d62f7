import type { ChildProcess } from 'node:child_process';
import readline from 'node:readline';

/**
 * The prefix a database child puts before the one line meant for its parent. Everything else a child
 * prints (mongodb-memory-server's download progress, JVM warnings) is noise and is skipped.
 */
export const ANSWER_TAG = 'KEYHOLD_DB ';

/**
 * Waits for the first line of `child` that starts with `tag` and resolves with the rest of it; rejects
 * when the child exits or errs first, or after `timeoutMs`. The last noise lines are kept for the error.
 */
export function readTaggedAnswer(child: ChildProcess, options: { tag?: string; timeoutMs: number; what: string }): Promise<string> {
  const tag = options.tag ?? ANSWER_TAG;
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error(`${options.what}: no stdout`));
    const lines = readline.createInterface({ input: child.stdout });
    let noise = '';
    const keep = (text: string): void => void (noise = (noise + text).slice(-2000));
    child.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString()));
    const timer = setTimeout(() => finish(new Error(`${options.what}: no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    function finish(error: Error | null, answer = ''): void {
      clearTimeout(timer);
      lines.close();
      // Keep draining: a child that goes on printing into a full pipe would block.
      child.stdout?.resume();
      if (error) reject(error);
      else resolve(answer);
    }
    lines.on('line', (line) => {
      if (line.startsWith(tag)) finish(null, line.slice(tag.length));
      else keep(`${line}\n`);
    });
    child.once('error', (error) => finish(error));
    child.once('exit', (code, signal) => finish(new Error(`${options.what} exited with ${code ?? signal}: ${noise.trim()}`)));
  });
}
