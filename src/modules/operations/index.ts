export { createMetricsRouter } from './metrics.routes';
export { createMetricsService } from './metrics.service';
export { createOperationalRouter } from './operational.routes';
export { measureRequests } from './request-metrics';
