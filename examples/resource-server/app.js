// @ts-check
import express from 'express';
import { createKeyholdVerifier, requireKeyholdToken } from '@keyhold/verify';

/**
 * The resource server's routes: one public, one for any signed-in Keyhold user, one for admins.
 *
 * @param {{ issuer: string, audience: string, jwksUri?: string, cacheMaxAge?: number, cooldownMs?: number }} keyhold where tokens come from, and how long keys are cached
 * @returns {import('express').Express}
 */
export function createApp(keyhold) {
  // One verifier for both protected routes, so they share one cache of Keyhold's keys.
  const verifier = createKeyholdVerifier(keyhold);
  const signedIn = requireKeyholdToken({ verifier });
  const adminOnly = requireKeyholdToken({ verifier, roles: ['admin'] });

  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/notes', signedIn, (req, res) => {
    res.json({ data: { userId: req.auth?.userId, role: req.auth?.role } });
  });
  app.get('/admin/report', adminOnly, (_req, res) => {
    res.json({ data: { ok: true } });
  });

  return app;
}
