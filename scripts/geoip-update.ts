/**
 * `npm run geoip:update`: downloads MaxMind's GeoLite2-City database to GEOIP_DB_PATH now, however
 * fresh the current file is, prints what happened as JSON and exits non-zero when the update failed.
 * A running server keeps its loaded database until its next restart or scheduled refresh.
 */
import { loadGeoIpConfigFromEnvironment } from '../src/config/env';
import { configureLogger } from '../src/lib/logger';
import { createGeoLocator } from '../src/modules/geoip/geo-locator.service';
import { createGeoIpUpdater } from '../src/modules/geoip/geoip-updater.service';

async function updateGeoIpDatabase(): Promise<number> {
  const geoip = loadGeoIpConfigFromEnvironment();
  configureLogger({ level: 'info', format: 'pretty' });
  const updater = createGeoIpUpdater({ geoip, locator: createGeoLocator() });
  const result = await updater.updateNow({ force: true });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.status === 'failed' ? 1 : 0;
}

updateGeoIpDatabase().then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
