import { Router } from 'express';
import { allowMetricsScrape } from './metrics-access';
import type { MetricsService } from './metrics.service';

/** `GET /metrics`: the Prometheus text format for a scraper; never rate-limited, never cached. */
export function createMetricsRouter(deps: { metrics: MetricsService; token?: string; isProduction: boolean }): Router {
  const router = Router();
  router.get('/metrics', allowMetricsScrape(deps), async (_req, res) => {
    const body = await deps.metrics.render();
    res.set('Cache-Control', 'no-store').type(deps.metrics.contentType).send(body);
  });
  return router;
}
