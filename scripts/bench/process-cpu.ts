import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;

/** User + system CPU seconds in a /proc stat file (Linux only; null when it cannot be read). */
function cpuSecondsIn(statFile: string): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(statFile, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * CPU seconds (user + system) another process has used so far, all its threads. CPU per request moves
 * far less with other load on the machine than requests per second.
 */
export function processCpuSeconds(pid: number): number | null {
  return cpuSecondsIn(`/proc/${pid}/stat`);
}

/**
 * CPU seconds of a Node process's main thread, the one that runs the event loop: when it is busy all
 * the time, its CPU per request is what bounds requests per second (GC helpers and the hashing pool
 * run on other threads).
 */
export function mainThreadCpuSeconds(pid: number): number | null {
  return cpuSecondsIn(`/proc/${pid}/task/${pid}/stat`);
}
