import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import type { Container } from './container';
import { createAccountRecoveryController, createAccountRecoverySchemas } from './modules/account-recovery';
import { createAuditController, createAuditRouter, createAuditSchemas } from './modules/audit';
import {
  createAuthController,
  createAuthenticate,
  createAuthRouter,
  createAuthSchemas,
  createDeviceCookie,
  createRefreshCookie,
} from './modules/auth';
import {
  createMeController,
  createMeRouter,
  createMeSchemas,
  createUserController,
  createUserRouter,
  createUserSchemas,
} from './modules/users';
import { createMfaController, createMfaRouter, createMfaSchemas } from './modules/mfa';
import { buildOpenApiDocument, createDocsRouter } from './modules/docs';
import { parseJsonBody } from './middleware/body-parser';
import { rejectUnservedMethods } from './middleware/method-not-allowed';
import { forbidCaching } from './middleware/no-store';
import { renderError } from './middleware/error-handler';
import { rejectUnknownRoute } from './middleware/not-found';
import { requireDatabase } from './middleware/require-database';
import { limitRequests } from './middleware/rate-limit';
import { assignRequestId } from './middleware/request-id';
import { logRequests } from './middleware/request-logger';
import { createMetricsRouter, createOperationalRouter, measureRequests } from './modules/operations';
import { corsForAllowList, securityHeaders } from './middleware/security';

function createApiRouter(container: Container): express.Router {
  const { config, services } = container;
  const authenticate = createAuthenticate(container.accessTokens, services.sessions, config.mfa.requiredRoles);
  const refreshCookie = createRefreshCookie(config.cookie, container.now);
  const schemas = {
    auth: createAuthSchemas(config.password),
    me: createMeSchemas(config.password),
    users: createUserSchemas(config.pagination),
    audit: createAuditSchemas(config.pagination),
    mfa: createMfaSchemas(),
    recovery: createAccountRecoverySchemas(config.password),
  };
  const recovery = {
    controller: createAccountRecoveryController({ ...services, schemas: schemas.recovery }),
    schemas: schemas.recovery,
  };
  const mfaController = createMfaController({ mfa: services.mfa, users: services.users, schemas: schemas.mfa });
  const authLimiter = limitRequests({
    enabled: config.rateLimit.enabled,
    windowMs: config.rateLimit.windowMs,
    limit: config.rateLimit.authMax,
    store: container.rateLimitStore('auth'),
  });
  const api = express.Router();
  api.use(
    '/auth',
    createAuthRouter({
      controller: createAuthController(services.auth, schemas.auth, refreshCookie, createDeviceCookie(config.cookie, config.deviceCookie)),
      schemas: schemas.auth,
      recovery,
      authenticate,
      authLimiter,
      allowedOrigins: config.http.corsOrigins,
    }),
  );
  api.use('/me/mfa', createMfaRouter({ controller: mfaController, schemas: schemas.mfa, authenticate, authLimiter }));
  api.use(
    '/me',
    createMeRouter({
      controller: createMeController({ ...services, schemas: schemas.me, refreshCookie }),
      schemas: schemas.me,
      recovery,
      authenticate,
      authLimiter,
    }),
  );
  api.use(
    '/users',
    createUserRouter({
      controller: createUserController(services.users, schemas.users),
      schemas: schemas.users,
      mfa: { controller: mfaController, schemas: schemas.mfa },
      authenticate,
      authLimiter,
    }),
  );
  api.use(
    '/audit-events',
    createAuditRouter({ controller: createAuditController(services.audit, schemas.audit), schemas: schemas.audit, authenticate }),
  );
  return api;
}

/** Builds the Express app: no listening and no connecting, so tests drive it directly. */
export function createApp(container: Container): Express {
  const { config } = container;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.set('etag', false);
  app.use(assignRequestId);
  app.use(['/api/v1/auth', '/api/v1/me'], forbidCaching);
  app.use(logRequests);
  if (container.metrics) app.use(measureRequests(container.metrics));
  app.use(securityHeaders());
  app.use(corsForAllowList(config.http.corsOrigins));
  app.use(
    limitRequests({
      enabled: config.rateLimit.enabled,
      windowMs: config.rateLimit.windowMs,
      limit: config.rateLimit.max,
      store: container.rateLimitStore('all'),
      skipOperational: true,
    }),
  );
  app.use(rejectUnservedMethods(app));
  app.use(parseJsonBody({ limit: config.http.bodyLimit }));
  app.use(cookieParser());
  app.use(createOperationalRouter({ geoip: container.geo?.status }));
  if (container.metrics) {
    app.use(createMetricsRouter({ metrics: container.metrics, token: config.metrics.token, isProduction: config.isProduction }));
  }
  app.use(createDocsRouter(buildOpenApiDocument(config), { isProduction: config.isProduction }));
  app.use('/api/v1', requireDatabase, createApiRouter(container));
  app.use(rejectUnknownRoute);
  app.use(renderError);
  return app;
}
