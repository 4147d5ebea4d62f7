import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import type { Container } from './container';
import { parseJsonBody } from './middleware/body-parser';
import { compressJson } from './middleware/compression';
import { renderError } from './middleware/error-handler';
import { rejectUnservedMethods } from './middleware/method-not-allowed';
import { forbidCaching } from './middleware/no-store';
import { rejectUnknownRoute } from './middleware/not-found';
import { limitRequests } from './middleware/rate-limit';
import { assignRequestId } from './middleware/request-id';
import { logRequests } from './middleware/request-logger';
import { requireDatabase } from './middleware/require-database';
import { corsForAllowList, securityHeaders } from './middleware/security';
import {
  createAccountRecoveryController,
  createAccountRecoverySchemas,
  createMyAddressRouter,
  createRecoveryRouter,
} from './modules/account-recovery';
import { createAccountPagesRouter, defaultBundleDir } from './modules/account-pages';
import { createAuditController, createAuditRouter, createAuditSchemas } from './modules/audit';
import {
  createAuthController,
  createAuthenticate,
  createAuthRouter,
  createAuthSchemas,
  createDeviceCookie,
  createRefreshCookie,
} from './modules/auth';
import { buildOpenApiDocument, createDocsRouter } from './modules/docs';
import { createHabitsController, createHabitsRouter, createHabitsSchemas, createSettingsRouter } from './modules/habits';
import { createIdentitiesController, createIdentitiesSchemas, createMyIdentitiesRouter, createOAuthRouter } from './modules/identities';
import { createKeysController, createKeysRouter, createKeysSchemas, createWellKnownRouter } from './modules/keys';
import { createMfaAdminRouter, createMfaController, createMfaRouter, createMfaSchemas } from './modules/mfa';
import { createMetricsRouter, createOperationalRouter, measureRequests } from './modules/operations';
import { createPasskeysAdminRouter, createPasskeysController, createPasskeysRouter, createPasskeysSchemas } from './modules/passkeys';
import {
  createMeController,
  createMeRouter,
  createMeSchemas,
  createUserController,
  createUserRouter,
  createUserSchemas,
} from './modules/users';

/**
 * Mounts each module's routers. Where two modules serve one prefix, the one whose routes authenticate
 * per route comes first, so a request is authenticated once, by the router that serves it.
 */
function createApiRouter(container: Container): express.Router {
  const { config, services } = container;
  const authenticate = createAuthenticate(container.accessTokens, services.resolveCaller, config.mfa.requiredRoles);
  const refreshCookie = createRefreshCookie(config.cookie, container.now);
  const schemas = {
    auth: createAuthSchemas(config.password),
    me: createMeSchemas(config.password),
    users: createUserSchemas(config.pagination),
    audit: createAuditSchemas(config.pagination),
    mfa: createMfaSchemas(),
    recovery: createAccountRecoverySchemas(config.password),
  };
  const recovery = { controller: createAccountRecoveryController({ ...services, schemas: schemas.recovery }), schemas: schemas.recovery };
  const mfa = { controller: createMfaController({ mfa: services.mfa, schemas: schemas.mfa }), schemas: schemas.mfa };
  const passkeysSchemas = createPasskeysSchemas();
  const passkeys = { controller: createPasskeysController({ ...services.passkeys, schemas: passkeysSchemas }), schemas: passkeysSchemas };
  const authLimiter = limitRequests({
    enabled: config.rateLimit.enabled,
    windowMs: config.rateLimit.windowMs,
    limit: config.rateLimit.authMax,
    store: container.rateLimitStore('auth', config.rateLimit.authMax),
  });
  const authController = createAuthController(
    services.auth,
    schemas.auth,
    refreshCookie,
    createDeviceCookie(config.cookie, config.deviceCookie),
    services.identities.bindingCookie,
  );
  const identitiesSchemas = createIdentitiesSchemas();
  const identities = {
    controller: createIdentitiesController({ ...services.identities, schemas: identitiesSchemas, appUrl: config.mail.appUrl }),
    schemas: identitiesSchemas,
  };
  const api = express.Router();
  api.use(requireDatabase);
  // First: GET /me is the hottest authenticated route, and a router passed costs every request a walk.
  api.use(
    '/me',
    createMeRouter({
      controller: createMeController({ ...services, schemas: schemas.me, refreshCookie }),
      schemas: schemas.me,
      authenticate,
      authLimiter,
    }),
  );
  api.use('/auth', authLimiter);
  api.use('/auth/oauth', createOAuthRouter(identities));
  api.use(
    '/auth',
    createAuthRouter({ controller: authController, schemas: schemas.auth, authenticate, allowedOrigins: config.http.corsOrigins }),
  );
  api.use('/auth', createRecoveryRouter(recovery));
  const habitsSchemas = createHabitsSchemas(config.habits);
  const { habits } = services;
  const habitsController = createHabitsController({
    ...habits,
    schemas: habitsSchemas,
    compressionThresholdBytes: config.compression.thresholdBytes,
  });
  api.use('/me/settings', createSettingsRouter({ controller: habitsController, schemas: habitsSchemas, authenticate }));
  api.use('/me/mfa', createMfaRouter({ ...mfa, authenticate, authLimiter }));
  api.use('/me/passkeys', createPasskeysRouter({ ...passkeys, authenticate, authLimiter }));
  api.use('/me/identities', createMyIdentitiesRouter({ ...identities, authenticate, authLimiter }));
  api.use('/me', createMyAddressRouter({ ...recovery, authenticate, authLimiter }));
  api.use('/users', createMfaAdminRouter({ ...mfa, authenticate }));
  api.use('/users', createPasskeysAdminRouter({ ...passkeys, authenticate }));
  api.use(
    '/users',
    createUserRouter({
      controller: createUserController(services.users, schemas.users),
      schemas: schemas.users,
      authenticate,
      authLimiter,
    }),
  );
  api.use('/habits', createHabitsRouter({ controller: habitsController, schemas: habitsSchemas, habits: habits.habits, authenticate }));
  const keysSchemas = createKeysSchemas();
  api.use(
    '/signing-keys',
    createKeysRouter({ controller: createKeysController(container.keyRing, keysSchemas), schemas: keysSchemas, authenticate }),
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
  app.use(compressJson(config.compression));
  if (container.metrics) app.use(measureRequests(container.metrics));
  app.use(securityHeaders());
  app.use(corsForAllowList(config.http.corsOrigins));
  app.use(
    limitRequests({
      enabled: config.rateLimit.enabled,
      windowMs: config.rateLimit.windowMs,
      limit: config.rateLimit.max,
      store: container.rateLimitStore('all', config.rateLimit.max),
      skipOperational: true,
    }),
  );
  app.use(rejectUnservedMethods(app));
  app.use(parseJsonBody({ limit: config.http.bodyLimit }));
  app.use(cookieParser());
  // The API first: no other router serves a path under /api/v1, and every one it passed would cost
  // each API request a walk through that router's routes (a tenth of /me's CPU, profiled).
  app.use('/api/v1', createApiRouter(container));
  app.use(createOperationalRouter({ geoip: container.geo?.status }));
  if (container.metrics) {
    app.use(createMetricsRouter({ metrics: container.metrics, token: config.metrics.token, isProduction: config.isProduction }));
  }
  app.use(createWellKnownRouter({ ring: container.keyRing, tokens: config.tokens, publicUrl: config.publicUrl }));
  if (config.hostedPages.enabled) {
    app.use(createAccountPagesRouter({ dir: defaultBundleDir(), reloadEachRequest: !config.isProduction }));
  }
  app.use(createDocsRouter(buildOpenApiDocument(config), { isProduction: config.isProduction }));
  app.use(rejectUnknownRoute);
  app.use(renderError);
  return app;
}
