import os from 'node:os';
import path from 'node:path';
import { createGeoLocator } from '../geo-locator.service';
import { createGeoIpUpdater } from '../geoip-updater.service';
import { buildTestConfig } from '../../../../tests/support/context';
import { useTestDatabase } from '../../../../tests/support/database';
import { captureLogs } from '../../../../tests/support/log-capture';

describe('the "GeoIP updates disabled" notice', () => {
  useTestDatabase();
  const logs = captureLogs();
  const dbPath = path.join(os.tmpdir(), 'keyhold-no-such-geoip', 'GeoLite2-City.mmdb');

  function startUpdater(overrides: Record<string, string>): void {
    const updater = createGeoIpUpdater({
      geoip: buildTestConfig({ GEOIP_DB_PATH: dbPath, ...overrides }).geoip,
      locator: createGeoLocator(),
    });
    updater.start();
    updater.stop();
  }
  const notices = () => logs.filter((entry) => entry.message.startsWith('GeoIP updates disabled')).map((entry) => entry.level);

  it('when the server starts without a licence key, then it warns once', () => {
    logs.length = 0;
    startUpdater({});
    expect(notices()).toEqual(['warn']);
  });

  it('when npm run dev restarts it after a change, then the notice goes to debug instead of repeating', () => {
    logs.length = 0;
    startUpdater({ DEV_RELOAD: 'true' });
    expect(notices()).toEqual(['debug']);
  });
});
