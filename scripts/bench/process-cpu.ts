import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;

/**
 * CPU seconds (user + system) another process has used so far, read from /proc (Linux only; null
 * elsewhere). CPU per request moves far less with other load on the machine than requests per second.
 */
export function processCpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
