import fs from 'node:fs';
import path from 'node:path';
import type { OutsideView } from './outside-view';
import type { Row, RowKey } from './scenarios';

export interface Ratio {
  name: string;
  value: number | null;
  target: string;
  met: boolean | null;
}

export interface BenchReport {
  startedAt: string;
  header: Record<string, string | number | boolean>;
  seeding: Record<string, number>;
  rows: Row[];
  /** Figures that are not a load row: the hash limit and the login storm. */
  figures: Record<string, string>;
  ratios: Ratio[];
  wallTimeMs: number;
}

function figure(rows: Row[], key: RowKey, pick: 'requestsPerSecond' | 'okPerSecond' | 'p50Ms' | 'p99Ms'): number | null {
  const value = rows.find((row) => row.key === key)?.figures[pick];
  return value === undefined ? null : value;
}

function targetText(target: { atLeast?: number; atMost?: number }): string {
  if (target.atLeast !== undefined && target.atMost !== undefined) return `${target.atLeast}–${target.atMost}`;
  return target.atLeast !== undefined ? `>= ${target.atLeast}` : `<= ${target.atMost}`;
}

function ratio(name: string, numerator: number | null, denominator: number | null, target: { atLeast?: number; atMost?: number }): Ratio {
  const value = numerator !== null && denominator ? numerator / denominator : null;
  if (target.atLeast === undefined && target.atMost === undefined) return { name, value, target: '(figure)', met: null };
  const met = value === null ? null : value >= (target.atLeast ?? -Infinity) && value <= (target.atMost ?? Infinity);
  return { name, value, target: targetText(target), met };
}

/** A login row's 2xx/s ÷ the hash limit measured just before it. */
function loginRatio(name: string, rows: Row[], key: RowKey): Ratio {
  const row = rows.find((candidate) => candidate.key === key);
  return ratio(name, row?.figures.okPerSecond ?? null, row?.hashLimit?.loginsPerSecond ?? null, { atLeast: 0.8 });
}

/**
 * The targets of issues 7, 16, 19, 28 and 29, each a ratio of two figures of the same run (or one figure
 * against its bound). The outside view's read ratios come measured round by round (`sideBySide`).
 */
export function computeRatios(rows: Row[], sideBySide: OutsideView['sideBySide']): Ratio[] {
  const healthz = figure(rows, 'healthz', 'okPerSecond');
  const me = figure(rows, 'me', 'okPerSecond');
  // Successful answers only: a row whose requests fail fast (a 401 costs little) must not look fast.
  return [
    ratio('outside: /me ÷ /healthz (2xx/s)', sideBySide.me, 1, { atLeast: 0.75 }),
    ratio('outside: /users ÷ /healthz (2xx/s)', sideBySide.users, 1, { atLeast: 0.25 }),
    loginRatio('outside: logins/s (2xx) ÷ hash limit', rows, 'outsideLogin'),
    ratio('/me ÷ /healthz (2xx/s)', me, healthz, { atLeast: 0.5 }),
    ratio('refresh ÷ /healthz (2xx/s)', figure(rows, 'refresh', 'okPerSecond'), healthz, { atLeast: 0.25 }),
    ratio('JWKS ÷ /healthz (2xx/s)', figure(rows, 'jwks', 'okPerSecond'), healthz, { atLeast: 1 }),
    ratio('/users ÷ /healthz (2xx/s)', figure(rows, 'users', 'okPerSecond'), healthz, { atLeast: 0.25 }),
    ratio('/audit-events ÷ /healthz (2xx/s)', figure(rows, 'audit', 'okPerSecond'), healthz, { atLeast: 0.25 }),
    ratio('forgot p50: known ÷ unknown address', figure(rows, 'forgotKnown', 'p50Ms'), figure(rows, 'forgotUnknown', 'p50Ms'), {
      atLeast: 0.9,
      atMost: 1.1,
    }),
    loginRatio('logins/s (2xx) ÷ hash limit', rows, 'login'),
    ratio('storm /me p99 ÷ idle /me p99', figure(rows, 'stormMe', 'p99Ms'), figure(rows, 'me', 'p99Ms'), { atMost: 1.5 }),
    ratio('/me p50 at big ÷ p50 at 1k', figure(rows, 'meBig', 'p50Ms'), figure(rows, 'me', 'p50Ms'), { atMost: 1.2 }),
    ratio('GET /habits ÷ /healthz (2xx/s)', figure(rows, 'habits', 'okPerSecond'), healthz, { atLeast: 0.3 }),
    ratio('GET /habits gzip ÷ identity (2xx/s)', figure(rows, 'habitsGzip', 'okPerSecond'), figure(rows, 'habits', 'okPerSecond'), {}),
    ratio('GET /habits br ÷ identity (2xx/s)', figure(rows, 'habitsBrotli', 'okPerSecond'), figure(rows, 'habits', 'okPerSecond'), {}),
    ratio('check-in p50, one client (ms)', figure(rows, 'checkIn', 'p50Ms'), 1, { atMost: 20 }),
    ratio('/me 2 instances ÷ 1 instance (2xx/s)', figure(rows, 'meTwoInstances', 'okPerSecond'), me, {}),
    ratio('/me memory store ÷ shared store (2xx/s)', figure(rows, 'meMemoryStore', 'okPerSecond'), me, {}),
  ];
}

function table(headings: string[], lines: string[][]): string {
  const widths = headings.map((heading, column) => Math.max(heading.length, ...lines.map((line) => (line[column] ?? '').length)));
  const format = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [format(headings), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...lines.map(format)].join('\n');
}

const number = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The three figures outsiders quote, on one line with how quiet the machine was. */
function outsideViewLine(report: BenchReport): string {
  const outside = report.ratios.filter((item) => item.name.startsWith('outside: '));
  const values = outside.map((item) => `${item.name.slice('outside: '.length)} ${item.value === null ? 'n/a' : number(item.value, 2)}`);
  return `outside view (autocannon -c 50, 8 s, one shared token; load average at start ${String(report.header.loadAverageAtStart)}): ${values.join('; ')}`;
}

/** The human-readable report: header, one table of rows, one of ratios against their targets. */
export function formatReport(report: BenchReport): string {
  const header = Object.entries(report.header).map(([key, value]) => `${key}: ${value}`);
  const seeding = Object.entries(report.seeding).map(([key, value]) => `${key}: ${number(value)}`);
  const rows = table(
    ['Scenario', 'conns', 'req/s', '2xx/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors'],
    report.rows.map((row) => [
      row.label,
      String(row.connections),
      number(row.figures.requestsPerSecond, 1),
      number(row.figures.okPerSecond, 1),
      number(row.figures.p50Ms, 1),
      number(row.figures.p99Ms, 1),
      number(row.figures.requests),
      number(row.figures.non2xx),
      number(row.figures.errors),
    ]),
  );
  const ratios = table(
    ['Ratio', 'value', 'target', 'met'],
    report.ratios.map((item) => [
      item.name,
      item.value === null ? 'n/a' : number(item.value, 2),
      item.target,
      item.met === null ? 'n/a' : item.met ? 'met' : 'NOT met',
    ]),
  );
  const figures = Object.entries(report.figures).map(([key, value]) => `${key}: ${value}`);
  return [
    ...header,
    ...seeding,
    '',
    rows,
    '',
    ...figures,
    '',
    ratios,
    '',
    outsideViewLine(report),
    `wall time: ${number(report.wallTimeMs / 1000, 1)} s`,
  ].join('\n');
}

/** Writes the report as JSON under bench-results/ (git-ignored) and returns its path. */
export function writeReport(root: string, report: BenchReport): string {
  const directory = path.join(root, 'bench-results');
  fs.mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
