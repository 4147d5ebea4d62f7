import path from 'node:path';
import { Router, type RequestHandler } from 'express';
import { ServiceUnavailableError } from '../../errors/app-error';
import { loadPagesBundle, type PagesBundle } from './account-pages.bundle';
import { accountPagesPolicy } from './account-pages.policy';

/**
 * Every page the shell renders; the script picks the view from the path. Mail links land on verify-email,
 * reset-password and revert-email; a provider's callback on oauth-complete.
 */
export const ACCOUNT_PAGE_PATHS = [
  '/account',
  '/account/',
  '/account/verify-email',
  '/account/reset-password',
  '/account/revert-email',
  '/account/oauth-complete',
];

const NOT_BUILT_RETRY_AFTER_SECONDS = 30;

type BundleSource = () => PagesBundle | null;

function serveShell(current: BundleSource): RequestHandler {
  return (_req, res) => {
    const bundle = current() ?? refuseUnbuilt();
    // The shell names the current hashed assets, so it is never cached; a token page must not be stored either.
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(bundle.html);
  };
}

function serveAsset(current: BundleSource): RequestHandler {
  return (req, res, next) => {
    const bundle = current() ?? refuseUnbuilt();
    const file = String(req.params.file);
    if (!bundle.assets.has(file)) return next();
    res.sendFile(path.join(bundle.assetsDir, file), { maxAge: '365d', immutable: true });
  };
}

function refuseUnbuilt(): never {
  throw new ServiceUnavailableError(NOT_BUILT_RETRY_AFTER_SECONDS, 'The account pages are not built: run npm run build:pages.');
}

export interface AccountPagesOptions {
  /** The folder `npm run build:pages` wrote. */
  dir: string;
  /** Read the bundle on every request (development: a rebuild shows without a restart) instead of once. */
  reloadEachRequest: boolean;
}

/**
 * The hosted account pages under /account/: one HTML shell and content-hashed assets, under a CSP of
 * their own. Unknown sub-paths fall through to the API's 404.
 */
export function createAccountPagesRouter(options: AccountPagesOptions): Router {
  const loadedOnce = options.reloadEachRequest ? null : loadPagesBundle(options.dir);
  const current: BundleSource = options.reloadEachRequest ? () => loadPagesBundle(options.dir) : () => loadedOnce;
  const router = Router();
  const policy = accountPagesPolicy();
  const shell = serveShell(current);
  // One route per page (not one with an array of paths), so each is its own row in route listings.
  for (const page of ACCOUNT_PAGE_PATHS) router.get(page, policy, shell);
  router.get('/account/assets/:file', policy, serveAsset(current));
  return router;
}
