import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createGeoLocator } from '../geo-locator.service';

const FIXTURES = path.resolve(__dirname, '../../../../tests/fixtures/geoip');
const V1 = path.join(FIXTURES, 'GeoLite2-City-Test.mmdb');
const V2 = path.join(FIXTURES, 'GeoLite2-City-Test-v2.mmdb');

const SYDNEY = { city: 'Sydney', region: 'New South Wales', country: 'Australia', countryCode: 'AU' };
const BERLIN = { city: 'Berlin', region: 'Land Berlin', country: 'Germany', countryCode: 'DE' };

describe('createGeoLocator', () => {
  let tempDir: string;

  beforeAll(async () => {
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyhold-geo-locator-'));
  });

  afterAll(async () => {
    await fs.rm(tempDir, { recursive: true, force: true });
  });

  describe('locate', () => {
    const locator = createGeoLocator();

    beforeAll(async () => {
      await locator.load(V1);
    });

    it.each([
      ['203.0.113.7', SYDNEY],
      ['198.51.100.200', BERLIN],
      ['::ffff:203.0.113.7', SYDNEY],
      ['::ffff:cb00:7107', SYDNEY],
      ['2001:db8:1234::1', { city: 'Tokyo', region: 'Tokyo', country: 'Japan', countryCode: 'JP' }],
      ['192.0.2.10', { city: null, region: null, country: 'United States', countryCode: 'US' }],
    ])('when %s is in the database, then returns its location', (ip, expected) => {
      expect(locator.locate(ip)).toEqual(expected);
    });

    it.each(['10.0.0.1', '192.168.1.1', '127.0.0.1', '::1', '169.254.0.1', 'fe80::1', 'fd00::1', 'not-an-ip', ''])(
      'when %p is not a public address, then returns null',
      (ip) => {
        expect(locator.locate(ip)).toBeNull();
      },
    );

    it('when a public address is not in the database, then returns null', () => {
      expect(locator.locate('8.8.8.8')).toBeNull();
      expect(locator.locate('2001:db9::1')).toBeNull();
    });
  });

  describe('status', () => {
    it('when nothing is loaded, then lookups return null and the state is missing', () => {
      const locator = createGeoLocator();

      expect(locator.locate('203.0.113.7')).toBeNull();
      expect(locator.status()).toEqual({ state: 'missing', databaseBuiltAt: null, loadedAt: null, lastError: null });
    });

    it('when updates are disabled and nothing is loaded, then the state is disabled', () => {
      const locator = createGeoLocator();

      locator.disable();

      expect(locator.status().state).toBe('disabled');
    });

    it('when a database is loaded, then the state is ready with its build date', async () => {
      const locator = createGeoLocator();

      await locator.load(V1);

      const status = locator.status();
      expect(status.state).toBe('ready');
      expect(status.databaseBuiltAt).toBe('2026-11-20T00:00:00.000Z');
      expect(Date.parse(status.loadedAt ?? '')).not.toBeNaN();
    });

    it('when the first load fails, then the state is error with the reason', async () => {
      const locator = createGeoLocator();

      await expect(locator.load(path.join(tempDir, 'absent.mmdb'))).rejects.toThrow(/absent\.mmdb/);

      expect(locator.status()).toMatchObject({ state: 'error', lastError: expect.stringMatching(/ENOENT/) });
    });
  });

  describe('load', () => {
    it('when a newer database is loaded, then lookups answer from it without a restart', async () => {
      const locator = createGeoLocator();
      await locator.load(V1);

      await locator.load(V2);

      expect(locator.locate('203.0.113.7')).toMatchObject({ city: 'Melbourne', region: 'Victoria' });
      expect(locator.status().databaseBuiltAt).toBe('2026-11-27T00:00:00.000Z');
    });

    it.each([
      ['random bytes', Buffer.from('this is not a MaxMind database at all, just text')],
      ['a truncated database', 'truncated'],
    ])('when the new file is %s, then load throws and the old database keeps answering', async (_label, content) => {
      const locator = createGeoLocator();
      await locator.load(V1);
      const bytes = content === 'truncated' ? (await fs.readFile(V1)).subarray(0, 600) : (content as Buffer);
      const corrupt = path.join(tempDir, `corrupt-${Math.random()}.mmdb`);
      await fs.writeFile(corrupt, bytes);

      await expect(locator.load(corrupt)).rejects.toThrow(/cannot load/);

      expect(locator.locate('203.0.113.7')).toEqual(SYDNEY);
      expect(locator.status()).toMatchObject({ state: 'ready', databaseBuiltAt: '2026-11-20T00:00:00.000Z' });
      expect(locator.status().lastError).toMatch(/cannot load/);
    });
  });
});
