import { Router } from 'express';
import packageJson from '../../../package.json';
import { isDatabaseReady } from '../../db/connection';

export interface ReadinessInfo {
  /** Informational only: GeoIP never decides readiness. */
  geoip?: () => unknown;
}

/** What readiness tells about GeoIP: state and dates, never the load error, which names file paths. */
function publicGeoStatus(status: unknown): Record<string, unknown> {
  const { state, databaseBuiltAt, loadedAt } = (status ?? {}) as Record<string, unknown>;
  return { state, databaseBuiltAt, loadedAt };
}

/** Liveness, readiness and the service banner; no /api/v1 prefix, no authentication. */
export function createOperationalRouter(info: ReadinessInfo): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({ name: packageJson.name, version: packageJson.version, status: 'ok' });
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const database = await isDatabaseReady();
    res.status(database ? 200 : 503).json({
      status: database ? 'ready' : 'unavailable',
      checks: { database: database ? 'up' : 'down' },
      ...(info.geoip ? { geoip: publicGeoStatus(info.geoip()) } : {}),
    });
  });
  return router;
}
