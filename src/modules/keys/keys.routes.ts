import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../../config/env';
import { requirePermission } from '../../middleware/authorize';
import { validate } from '../../middleware/validate';
import type { createKeysController } from './keys.controller';
import type { KeyRing, PublishedKeys } from './key-ring.service';
import type { KeysSchemas } from './keys.schemas';

/** Listing, rotating and revoking signing keys, under /api/v1/signing-keys (admins). */
export function createKeysRouter(deps: {
  controller: ReturnType<typeof createKeysController>;
  schemas: KeysSchemas;
  authenticate: RequestHandler;
}): Router {
  const { controller: keys, schemas: s } = deps;
  const router = Router();
  router.use(deps.authenticate);
  router.get('/', requirePermission('keys:manage'), validate(s.list), keys.list);
  router.post('/rotate', requirePermission('keys:manage'), validate(s.rotate), keys.rotate);
  router.delete('/:kid', requirePermission('keys:manage'), validate(s.revoke), keys.revoke);
  return router;
}

/**
 * The published keys and the discovery document, at the root (not rate-limited, no database on the
 * request path): verifiers may fetch them as often as their cache allows.
 */
export function createWellKnownRouter(deps: {
  ring: KeyRing;
  tokens: Pick<Config['tokens'], 'issuer' | 'jwksMaxAgeMs'>;
  publicUrl: string;
}): Router {
  const router = Router();
  const maxAgeSeconds = Math.floor(deps.tokens.jwksMaxAgeMs / 1000);
  const jwksUri = `${deps.publicUrl}/.well-known/jwks.json`;
  const cacheControl = `public, max-age=${maxAgeSeconds}`;
  function sendJwks(req: Request, res: Response, jwks: PublishedKeys): void {
    res.setHeader('Cache-Control', cacheControl);
    res.setHeader('ETag', jwks.etag);
    const presented = req.get('if-none-match');
    if (presented && presented.split(/\s*,\s*/).includes(jwks.etag)) {
      res.status(304).end();
      return;
    }
    // The body is built once per ring version: nothing is serialised per request.
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', jwks.body.length);
    res.end(jwks.body);
  }
  // Served from memory without waiting once the ring is loaded: verifiers fetch this often.
  router.get('/.well-known/jwks.json', (req, res, next) => {
    const loaded = deps.ring.loadedJwks();
    if (loaded) return sendJwks(req, res, loaded);
    deps.ring.jwks().then((jwks) => sendJwks(req, res, jwks), next);
  });
  // Keyhold is not an OpenID Provider: the document names only what is true, the issuer and its keys.
  const discovery = JSON.stringify({ issuer: deps.tokens.issuer, jwks_uri: jwksUri });
  router.get('/.well-known/openid-configuration', (_req, res) => {
    res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}`);
    res.type('application/json').send(discovery);
  });
  return router;
}
