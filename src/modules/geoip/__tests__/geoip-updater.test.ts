import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import type { Config } from '../../../config/env';
import { logger } from '../../../lib/logger';
import { createGeoLocator, type GeoLocator } from '../geo-locator.service';
import { createGeoIpUpdater, type GeoIpUpdater } from '../geoip-updater.service';

const FIXTURES = path.resolve(__dirname, '../../../../tests/fixtures/geoip');
const ACCOUNT_ID = '123456';
const LICENSE_KEY = 'SECRET_kh_license_0123456789';
const DAY_MS = 24 * 60 * 60 * 1000;
const MAXMIND_PATH = '/geoip/databases/GeoLite2-City/download';

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

interface Archive {
  body: Buffer;
  sha256: string;
}

let tempRoot: string;
let server: http.Server;
let baseUrl: string;
let requests: http.IncomingMessage[];
let handler: Handler;

/** Serves MaxMind-style URLs: `?suffix=tar.gz` for the archive and `?suffix=tar.gz.sha256` for its checksum. */
function serveArchive(archive: Archive, checksum = `${archive.sha256}  GeoLite2-City_20261120.tar.gz\n`): Handler {
  return (request, response) => {
    const url = new URL(request.url ?? '/', baseUrl);
    const isChecksum = url.searchParams.get('suffix')?.endsWith('.sha256') || url.pathname.endsWith('.sha256');
    response.writeHead(200, { 'content-type': isChecksum ? 'text/plain' : 'application/gzip' });
    response.end(isChecksum ? checksum : archive.body);
  };
}

async function buildArchive(files: Record<string, string | Buffer>, options: { preservePaths?: boolean } = {}): Promise<Archive> {
  const stage = await fs.mkdtemp(path.join(tempRoot, 'stage-'));
  const cwd = path.join(stage, 'a', 'b');
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(cwd, name)), { recursive: true });
    await fs.writeFile(path.join(cwd, name), content);
  }
  const file = path.join(stage, 'archive.tar.gz');
  await tar.create({ gzip: true, file, cwd, portable: true, preservePaths: options.preservePaths ?? false }, Object.keys(files));
  const body = await fs.readFile(file);
  return { body, sha256: createHash('sha256').update(body).digest('hex') };
}

async function maxmindArchive(fixture: string): Promise<Archive> {
  return buildArchive({
    'GeoLite2-City_20261120/COPYRIGHT.txt': 'Database and Contents Copyright (c) 2026 MaxMind, Inc.\n',
    'GeoLite2-City_20261120/LICENSE.txt': 'Use of this MaxMind product is governed by MaxMind GeoLite2 End User License Agreement\n',
    'GeoLite2-City_20261120/GeoLite2-City.mmdb': await fs.readFile(path.join(FIXTURES, fixture)),
  });
}

function geoipConfig(overrides: Partial<Config['geoip']> = {}): Config['geoip'] {
  return {
    accountId: ACCOUNT_ID,
    licenseKey: LICENSE_KEY,
    dbPath: path.join(tempRoot, `db-${Math.random().toString(36).slice(2)}`, 'GeoLite2-City.mmdb'),
    downloadUrl: `${baseUrl}${MAXMIND_PATH}?suffix=tar.gz`,
    maxAgeMs: 7 * DAY_MS,
    refreshIntervalMs: 7 * DAY_MS,
    downloadTimeoutMs: 5_000,
    retryBaseMs: 60_000,
    disabledNoticeLevel: 'warn',
    maxArchiveBytes: 64 * 1024 * 1024,
    maxDatabaseBytes: 64 * 1024 * 1024,
    ...overrides,
  };
}

async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function installFixture(dbPath: string, fixture: string, ageMs: number): Promise<Buffer> {
  await fs.mkdir(path.dirname(dbPath), { recursive: true });
  await fs.copyFile(path.join(FIXTURES, fixture), dbPath);
  const mtime = new Date(Date.now() - ageMs);
  await fs.utimes(dbPath, mtime, mtime);
  return fs.readFile(dbPath);
}

function loggedText(): string {
  const methods = ['error', 'warn', 'info', 'debug'] as const;
  return methods.flatMap((method) => jest.mocked(logger[method]).mock.calls.map((call) => JSON.stringify(call))).join('\n');
}

describe('GeoIP updater', () => {
  let updater: GeoIpUpdater | undefined;
  let locator: GeoLocator;
  let v1: Archive;
  let v2: Archive;

  beforeAll(async () => {
    tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'keyhold-geoip-updater-'));
    server = http.createServer((request, response) => {
      requests.push(request);
      handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    v1 = await maxmindArchive('GeoLite2-City-Test.mmdb');
    v2 = await maxmindArchive('GeoLite2-City-Test-v2.mmdb');
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await fs.rm(tempRoot, { recursive: true, force: true });
  });

  beforeEach(() => {
    requests = [];
    handler = serveArchive(v1);
    locator = createGeoLocator();
    for (const method of ['error', 'warn', 'info', 'debug'] as const) jest.spyOn(logger, method);
  });

  afterEach(() => {
    updater?.stop();
    updater = undefined;
    server.closeAllConnections();
    jest.restoreAllMocks();
  });

  describe('start', () => {
    it('when there is no database yet, then it downloads, verifies and serves lookups', async () => {
      const geoip = geoipConfig();
      updater = createGeoIpUpdater({ geoip, locator });

      updater.start();

      await waitFor(() => locator.status().state === 'ready');
      expect(locator.locate('::ffff:203.0.113.7')).toEqual({
        city: 'Sydney',
        region: 'New South Wales',
        country: 'Australia',
        countryCode: 'AU',
      });
      expect(await fs.readdir(path.dirname(geoip.dbPath))).toEqual(['GeoLite2-City.mmdb']);
      expect(requests.map((request) => request.url)).toEqual([`${MAXMIND_PATH}?suffix=tar.gz.sha256`, `${MAXMIND_PATH}?suffix=tar.gz`]);
      const basic = `Basic ${Buffer.from(`${ACCOUNT_ID}:${LICENSE_KEY}`).toString('base64')}`;
      expect(requests.every((request) => request.headers.authorization === basic)).toBe(true);
    });

    it('when the database on disk is fresh, then it loads it and makes no request', async () => {
      const geoip = geoipConfig();
      await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', DAY_MS);
      updater = createGeoIpUpdater({ geoip, locator });

      updater.start();

      await waitFor(() => locator.status().state === 'ready');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(requests).toHaveLength(0);
      expect(locator.locate('198.51.100.1')).toMatchObject({ city: 'Berlin' });
    });

    it('when a refresh brings a new release, then lookups answer from it without a restart', async () => {
      const geoip = geoipConfig({ refreshIntervalMs: 150 });
      updater = createGeoIpUpdater({ geoip, locator });
      updater.start();
      await waitFor(() => locator.locate('203.0.113.7')?.city === 'Sydney');

      handler = serveArchive(v2);

      await waitFor(() => locator.locate('203.0.113.7')?.city === 'Melbourne');
      expect(locator.locate('198.51.100.1')).toMatchObject({ city: 'Hamburg', region: 'Hamburg' });
      expect(locator.status().databaseBuiltAt).toBe('2026-11-27T00:00:00.000Z');
    });

    it('when a download fails, then it keeps the stale database and retries with backoff until it succeeds', async () => {
      const geoip = geoipConfig();
      await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', 30 * DAY_MS);
      let failuresLeft = 2;
      handler = (request, response) => {
        if (failuresLeft-- > 0) return void response.writeHead(503).end('busy');
        serveArchive(v2)(request, response);
      };
      updater = createGeoIpUpdater({ geoip: { ...geoip, retryBaseMs: 20 }, locator });

      updater.start();

      await waitFor(() => locator.locate('203.0.113.7')?.city === 'Melbourne');
      expect(jest.mocked(logger.warn)).toHaveBeenCalledWith(
        expect.stringMatching(/GeoIP update failed/),
        expect.objectContaining({ reason: expect.stringMatching(/HTTP 503/) }),
      );
    });

    it('when there is no licence key, then it warns once, loads the file on disk and never downloads', async () => {
      const geoip = geoipConfig({ licenseKey: undefined, accountId: undefined });
      await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', 60 * DAY_MS);
      updater = createGeoIpUpdater({ geoip, locator });

      updater.start();

      await waitFor(() => locator.status().state === 'ready');
      expect(locator.locate('203.0.113.7')).toMatchObject({ city: 'Sydney' });
      expect(requests).toHaveLength(0);
      expect(jest.mocked(logger.warn)).toHaveBeenCalledTimes(1);
      expect(jest.mocked(logger.warn).mock.calls[0]?.[0]).toMatch(/GeoIP updates disabled.*MAXMIND_LICENSE_KEY/);
    });

    it('when there is no licence key and no file, then the locator reports disabled', async () => {
      updater = createGeoIpUpdater({ geoip: geoipConfig({ licenseKey: undefined }), locator });

      updater.start();
      const result = await updater.updateNow({ force: true });

      expect(locator.status().state).toBe('disabled');
      expect(result).toEqual({ status: 'failed', reason: 'MAXMIND_LICENSE_KEY is not set' });
      expect(requests).toHaveLength(0);
    });
  });

  describe('updateNow', () => {
    it('when the file is fresh and not forced, then it skips without a request', async () => {
      const geoip = geoipConfig();
      await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', DAY_MS);
      updater = createGeoIpUpdater({ geoip, locator });

      const result = await updater.updateNow();

      expect(result).toMatchObject({ status: 'skipped-fresh', path: geoip.dbPath });
      expect(requests).toHaveLength(0);
    });

    it('when forced against a mirror URL with the legacy key parameter, then it downloads and never logs the key', async () => {
      const geoip = geoipConfig({ accountId: undefined, downloadUrl: `${baseUrl}/mirror/GeoLite2-City.tar.gz` });
      await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', DAY_MS);
      handler = serveArchive(v2);
      updater = createGeoIpUpdater({ geoip, locator });

      const result = await updater.updateNow({ force: true });

      expect(result).toMatchObject({ status: 'downloaded', databaseBuiltAt: '2026-11-27T00:00:00.000Z', bytes: v2.body.length });
      expect(requests.map((request) => new URL(request.url ?? '', baseUrl).pathname)).toEqual([
        '/mirror/GeoLite2-City.tar.gz.sha256',
        '/mirror/GeoLite2-City.tar.gz',
      ]);
      expect(new URL(requests[1]?.url ?? '', baseUrl).searchParams.get('license_key')).toBe(LICENSE_KEY);
      expect(locator.locate('203.0.113.7')).toMatchObject({ city: 'Melbourne' });
      expect(loggedText()).toMatch(/GeoIP database updated/);
      expect(loggedText()).not.toContain(LICENSE_KEY);
    });

    it.each([
      [401, /HTTP 401.*MAXMIND_LICENSE_KEY/],
      [403, /HTTP 403/],
      [429, /HTTP 429.*limit/],
      [500, /HTTP 500/],
    ])('when the server answers %i, then it fails with a clear reason and keeps the old file', async (status, reason) => {
      const geoip = geoipConfig({ accountId: undefined });
      const before = await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', 30 * DAY_MS);
      handler = (_request, response) => void response.writeHead(status).end(`error ${status}`);
      updater = createGeoIpUpdater({ geoip, locator });

      const result = await updater.updateNow({ force: true });

      expect(result).toEqual({ status: 'failed', reason: expect.stringMatching(reason) });
      expect(await fs.readFile(geoip.dbPath)).toEqual(before);
      expect(loggedText()).toMatch(/GeoIP update failed/);
      expect(loggedText()).not.toContain(LICENSE_KEY);
    });

    it('when the checksum does not match, then the old file stays byte-identical and no temp file is left', async () => {
      const geoip = geoipConfig();
      const before = await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', 30 * DAY_MS);
      handler = serveArchive(v2, `${'0'.repeat(64)}  GeoLite2-City_20261127.tar.gz\n`);
      updater = createGeoIpUpdater({ geoip, locator });

      const result = await updater.updateNow({ force: true });

      expect(result).toEqual({ status: 'failed', reason: expect.stringMatching(/checksum mismatch/) });
      expect(await fs.readFile(geoip.dbPath)).toEqual(before);
      expect(await fs.readdir(path.dirname(geoip.dbPath))).toEqual(['GeoLite2-City.mmdb']);
    });

    it('when an entry climbs out with "..", then the archive is refused and nothing is written', async () => {
      const geoip = geoipConfig();
      const fixture = await fs.readFile(path.join(FIXTURES, 'GeoLite2-City-Test.mmdb'));
      handler = serveArchive(await buildArchive({ '../../evil.mmdb': fixture }, { preservePaths: true }));
      updater = createGeoIpUpdater({ geoip, locator });

      const result = await updater.updateNow({ force: true });

      expect(result).toEqual({ status: 'failed', reason: expect.stringMatching(/path traversal "\.\.\/\.\.\/evil\.mmdb"/) });
      await expect(fs.access(geoip.dbPath)).rejects.toThrow();
      expect(await fs.readdir(path.dirname(geoip.dbPath))).toEqual([]);
      await expect(fs.access(path.resolve(path.dirname(geoip.dbPath), '../../evil.mmdb'))).rejects.toThrow();
      await expect(fs.access(path.resolve(path.dirname(geoip.dbPath), '../evil.mmdb'))).rejects.toThrow();
    });

    it('when the archive holds a symbolic link, then it is refused', async () => {
      const archive = await buildArchive({ 'GeoLite2-City_20261120/README.txt': 'x' });
      const stage = await fs.mkdtemp(path.join(tempRoot, 'link-'));
      await fs.mkdir(path.join(stage, 'GeoLite2-City_20261120'));
      await fs.symlink('/etc/passwd', path.join(stage, 'GeoLite2-City_20261120', 'GeoLite2-City.mmdb'));
      await tar.create({ gzip: true, file: path.join(stage, 'link.tar.gz'), cwd: stage }, ['GeoLite2-City_20261120']);
      const body = await fs.readFile(path.join(stage, 'link.tar.gz'));
      handler = serveArchive({ ...archive, body, sha256: createHash('sha256').update(body).digest('hex') });
      updater = createGeoIpUpdater({ geoip: geoipConfig(), locator });

      const result = await updater.updateNow({ force: true });

      expect(result).toEqual({ status: 'failed', reason: expect.stringMatching(/link entry/) });
    });

    it('when the archive has no .mmdb file, then it is refused', async () => {
      handler = serveArchive(await buildArchive({ 'GeoLite2-City_20261120/COPYRIGHT.txt': 'only text' }));
      updater = createGeoIpUpdater({ geoip: geoipConfig(), locator });

      const result = await updater.updateNow({ force: true });

      expect(result).toEqual({ status: 'failed', reason: expect.stringMatching(/found 0/) });
      expect(locator.status().state).toBe('missing');
    });

    it('when the archive is not a tarball at all, then it fails and keeps the old file', async () => {
      const geoip = geoipConfig();
      const before = await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', 30 * DAY_MS);
      const body = Buffer.from('<html>maintenance</html>'.repeat(50));
      handler = serveArchive({ body, sha256: createHash('sha256').update(body).digest('hex') });
      updater = createGeoIpUpdater({ geoip, locator });

      const result = await updater.updateNow({ force: true });

      expect(result.status).toBe('failed');
      expect(await fs.readFile(geoip.dbPath)).toEqual(before);
    });

    it('when the mirror streams an archive past the cap without announcing a length, then the download is cut off, its temp file removed and the old database kept', async () => {
      const geoip = geoipConfig({ maxArchiveBytes: 256 * 1024 });
      const before = await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', 30 * DAY_MS);
      let sent = 0;
      let clientGone = false;
      handler = (request, response) => {
        if (request.url?.includes('sha256')) return void response.end(`${v1.sha256}  x.tar.gz\n`);
        response.writeHead(200, { 'content-type': 'application/gzip' });
        const chunk = Buffer.alloc(64 * 1024, 1);
        // An endless body, bounded only by the client hanging up (and a 64 MiB backstop for a broken client).
        const pump = (): void => {
          while (!response.destroyed && sent < 64 * 1024 * 1024) {
            sent += chunk.length;
            if (!response.write(chunk)) return void response.once('drain', pump);
          }
        };
        response.on('close', () => (clientGone = true));
        pump();
      };
      updater = createGeoIpUpdater({ geoip, locator });

      const result = await updater.updateNow({ force: true });

      expect(result).toEqual({ status: 'failed', reason: expect.stringMatching(/archive exceeds the cap of 262144 bytes/) });
      await waitFor(() => clientGone);
      expect(sent).toBeLessThan(16 * 1024 * 1024);
      expect(await fs.readFile(geoip.dbPath)).toEqual(before);
      expect(await fs.readdir(path.dirname(geoip.dbPath))).toEqual(['GeoLite2-City.mmdb']);
    });

    it('when the mirror announces a Content-Length past the cap, then nothing is written at all', async () => {
      const geoip = geoipConfig({ maxArchiveBytes: 1024 });
      const before = await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', 30 * DAY_MS);
      handler = (request, response) => {
        if (request.url?.includes('sha256')) return void response.end(`${v1.sha256}  x.tar.gz\n`);
        response.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(v1.body.length) });
        response.write(v1.body.subarray(0, 100));
      };

      updater = createGeoIpUpdater({ geoip, locator });

      const result = await updater.updateNow({ force: true });

      expect(result).toEqual({ status: 'failed', reason: expect.stringMatching(/\(\d+ bytes announced\) exceeds the cap of 1024 bytes/) });
      expect(await fs.readFile(geoip.dbPath)).toEqual(before);
      expect(await fs.readdir(path.dirname(geoip.dbPath))).toEqual(['GeoLite2-City.mmdb']);
    });

    it('when the archive unpacks to a database past the cap, then extraction stops, temp files are removed and the old database kept', async () => {
      const geoip = geoipConfig({ maxDatabaseBytes: 512 * 1024 });
      const before = await installFixture(geoip.dbPath, 'GeoLite2-City-Test.mmdb', 30 * DAY_MS);
      // Zeros compress to almost nothing: a small archive that would unpack to 8 MiB.
      handler = serveArchive(await buildArchive({ 'GeoLite2-City_20261120/GeoLite2-City.mmdb': Buffer.alloc(8 * 1024 * 1024) }));
      updater = createGeoIpUpdater({ geoip, locator });

      const result = await updater.updateNow({ force: true });

      expect(result).toEqual({
        status: 'failed',
        reason: expect.stringMatching(/database \(8388608 bytes\) exceeds the cap of 524288 bytes/),
      });
      expect(await fs.readFile(geoip.dbPath)).toEqual(before);
      expect(await fs.readdir(path.dirname(geoip.dbPath))).toEqual(['GeoLite2-City.mmdb']);
    });

    it('when nothing listens at the download URL, then it fails with the network error', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      updater = createGeoIpUpdater({ geoip: geoipConfig({ downloadUrl: `http://127.0.0.1:${port}/GeoLite2-City.tar.gz` }), locator });

      const result = await updater.updateNow({ force: true });

      expect(result).toEqual({ status: 'failed', reason: expect.stringMatching(/ECONNREFUSED/) });
    });

    it('when the server never answers, then it times out', async () => {
      handler = () => undefined;
      updater = createGeoIpUpdater({ geoip: geoipConfig({ downloadTimeoutMs: 200 }), locator });
      const startedAt = Date.now();

      const result = await updater.updateNow({ force: true });

      expect(result).toEqual({ status: 'failed', reason: 'download timed out after 200 ms' });
      expect(Date.now() - startedAt).toBeLessThan(3_000);
    });

    it('when stopped mid-download, then the download is aborted', async () => {
      handler = (request, response) => {
        if (request.url?.includes('sha256')) return void response.end(`${v1.sha256}  x.tar.gz\n`);
        response.writeHead(200, { 'content-length': String(v1.body.length) });
        response.write(v1.body.subarray(0, 100));
      };
      const geoip = geoipConfig();
      updater = createGeoIpUpdater({ geoip, locator });
      const pending = updater.updateNow({ force: true });
      await waitFor(() => requests.length === 2);

      updater.stop();

      expect(await pending).toEqual({ status: 'failed', reason: 'stopped' });
      expect(await fs.readdir(path.dirname(geoip.dbPath))).toEqual([]);
    });
  });
});
