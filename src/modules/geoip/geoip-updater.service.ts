import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isAxiosError } from 'axios';
import type { Config } from '../../config/env';
import { describeArchiveSource, downloadArchive, extractMmdb, fetchChecksum } from './geoip-archive';
import { logger, redactText } from '../../lib/logger';
import { openCityDatabase, type GeoLocator } from './geo-locator.service';

export type UpdateResult =
  | { status: 'downloaded'; path: string; bytes: number; databaseBuiltAt: string | null; durationMs: number }
  | { status: 'skipped-fresh'; path: string; ageMs: number }
  | { status: 'failed'; reason: string };

export interface GeoIpUpdater {
  /** Loads what is on disk and keeps it fresh in the background; returns at once and never throws. */
  start(): void;
  /** Cancels timers and aborts a download in flight. */
  stop(): void;
  /** One update now; `force` downloads even when the file on disk is still fresh. Never rejects. */
  updateNow(options?: { force?: boolean }): Promise<UpdateResult>;
}

export interface GeoIpUpdaterOptions {
  geoip: Config['geoip'];
  locator: GeoLocator;
  now?: () => Date;
}

const CREDENTIALS_HINT = ' (check MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY)';
const STATUS_HINTS: Record<number, string> = {
  401: CREDENTIALS_HINT,
  403: CREDENTIALS_HINT,
  429: ' (download limit reached; MaxMind allows a limited number of downloads per day)',
};
/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); longer waits are chained. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
const DISABLED_WARNING =
  'GeoIP updates disabled: MAXMIND_LICENSE_KEY is not set, so the GeoLite2-City database is never downloaded ' +
  'and sessions get no location unless a database already exists at GEOIP_DB_PATH. To enable, create a free ' +
  'MaxMind account and set MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY.';

/** A human reason for a failed update; never contains the licence key. */
function explainFailure(error: unknown, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `download timed out after ${timeoutMs} ms`;
  if (isAxiosError(error) && error.response) {
    const status = error.response.status;
    const hint = STATUS_HINTS[status] ?? '';
    return redactText(`HTTP ${status} from the download server${hint}`);
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return redactText(code && !message.includes(code) ? `${code}: ${message}` : message);
}

async function fileAgeMs(file: string, now: Date): Promise<number | null> {
  try {
    return now.getTime() - (await fs.stat(file)).mtime.getTime();
  } catch {
    return null;
  }
}

/** Creates the background job that downloads MaxMind's GeoLite2-City database and swaps it into the locator. */
export function createGeoIpUpdater(options: GeoIpUpdaterOptions): GeoIpUpdater {
  const { geoip, locator } = options;
  const now = options.now ?? (() => new Date());
  const retryBaseMs = geoip.retryBaseMs;
  let timer: NodeJS.Timeout | undefined;
  let download: AbortController | undefined;
  let inFlight: Promise<UpdateResult> | undefined;
  let failures = 0;
  let started = false;
  let stopped = false;

  function schedule(delayMs: number, task: () => Promise<void>): void {
    clearTimeout(timer);
    if (stopped) return;
    const wait = Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS);
    timer = setTimeout(() => {
      if (delayMs > wait) schedule(delayMs - wait, task);
      else void task();
    }, wait);
    timer.unref();
  }

  async function loadExisting(): Promise<boolean> {
    try {
      await locator.load(geoip.dbPath);
      return true;
    } catch (error) {
      logger.warn('GeoIP database on disk is unusable', { path: geoip.dbPath, reason: explainFailure(error, 0, false) });
      return false;
    }
  }

  async function install(licenseKey: string, signal: AbortSignal, startedAt: number): Promise<UpdateResult> {
    const source = describeArchiveSource({ ...geoip, licenseKey });
    const directory = path.dirname(geoip.dbPath);
    const temp = path.join(directory, `.${path.basename(geoip.dbPath)}.${randomBytes(6).toString('hex')}`);
    await fs.mkdir(directory, { recursive: true });
    try {
      const expected = await fetchChecksum(source, signal);
      const archive = await downloadArchive(source, `${temp}.tar.gz`, signal, geoip.maxArchiveBytes);
      if (archive.sha256 !== expected) throw new Error(`checksum mismatch: expected ${expected}, got ${archive.sha256}`);
      await extractMmdb(`${temp}.tar.gz`, `${temp}.mmdb`, geoip.maxDatabaseBytes);
      await fs.rm(`${temp}.tar.gz`, { force: true });
      const candidate = openCityDatabase(await fs.readFile(`${temp}.mmdb`));
      await fs.rename(`${temp}.mmdb`, geoip.dbPath);
      await locator.load(geoip.dbPath);
      const databaseBuiltAt = candidate.builtAt?.toISOString() ?? null;
      return { status: 'downloaded', path: geoip.dbPath, bytes: archive.bytes, databaseBuiltAt, durationMs: Date.now() - startedAt };
    } finally {
      await Promise.all([fs.rm(`${temp}.tar.gz`, { force: true }), fs.rm(`${temp}.mmdb`, { force: true })]);
    }
  }

  async function downloadOnce(retryInMs: number | null): Promise<UpdateResult> {
    if (!geoip.licenseKey) return { status: 'failed', reason: 'MAXMIND_LICENSE_KEY is not set' };
    const controller = new AbortController();
    download = controller;
    const timeout = AbortSignal.timeout(geoip.downloadTimeoutMs);
    const startedAt = Date.now();
    logger.info('GeoIP database download started', { path: geoip.dbPath });
    try {
      const result = await install(geoip.licenseKey, AbortSignal.any([controller.signal, timeout]), startedAt);
      logger.info('GeoIP database updated', result);
      return result;
    } catch (error) {
      const aborted = controller.signal.aborted;
      const reason = aborted ? 'stopped' : explainFailure(error, geoip.downloadTimeoutMs, timeout.aborted);
      if (!aborted) logger.warn('GeoIP update failed; keeping the current database', { reason, ...(retryInMs !== null && { retryInMs }) });
      return { status: 'failed', reason };
    } finally {
      download = undefined;
    }
  }

  /** Runs one download at a time: a second caller shares the one already under way. */
  function exclusive(retryInMs: number | null): Promise<UpdateResult> {
    inFlight ??= downloadOnce(retryInMs).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function refreshCycle(): Promise<void> {
    const retryInMs = Math.min(retryBaseMs * 2 ** failures, geoip.refreshIntervalMs);
    const result = await exclusive(retryInMs);
    failures = result.status === 'failed' ? failures + 1 : 0;
    schedule(result.status === 'failed' ? retryInMs : geoip.refreshIntervalMs, refreshCycle);
  }

  async function firstCycle(): Promise<void> {
    const ageMs = await fileAgeMs(geoip.dbPath, now());
    const loaded = ageMs !== null && (await loadExisting());
    if (loaded && ageMs < geoip.maxAgeMs) {
      schedule(Math.min(geoip.refreshIntervalMs, geoip.maxAgeMs - ageMs), refreshCycle);
      return;
    }
    await refreshCycle();
  }

  async function updateNow({ force = false }: { force?: boolean } = {}): Promise<UpdateResult> {
    const ageMs = await fileAgeMs(geoip.dbPath, now());
    if (!force && ageMs !== null && ageMs < geoip.maxAgeMs) return { status: 'skipped-fresh', path: geoip.dbPath, ageMs };
    return exclusive(null);
  }

  function start(): void {
    if (started) return;
    started = true;
    stopped = false;
    if (!geoip.licenseKey) {
      if (geoip.disabledNoticeLevel === 'debug') logger.debug(DISABLED_WARNING, { path: geoip.dbPath });
      else logger.warn(DISABLED_WARNING, { path: geoip.dbPath });
      locator.disable();
      void fileAgeMs(geoip.dbPath, now()).then((ageMs) => (ageMs === null ? false : loadExisting()));
      return;
    }
    schedule(0, firstCycle);
  }

  function stop(): void {
    started = false;
    stopped = true;
    clearTimeout(timer);
    download?.abort();
  }

  return { start, stop, updateNow };
}
