import path from 'node:path';
import { Router, type RequestHandler } from 'express';
import helmet from 'helmet';

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** The files the page loads; the rest of swagger-ui-dist (its own index.html, other bundles, source maps) stays unserved. */
const DOCS_ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js']);

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Keyhold API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, withCredentials: true });\n`;

function docsPolicy(upgradeInsecureRequests: boolean): RequestHandler {
  return helmet.contentSecurityPolicy({
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      upgradeInsecureRequests: upgradeInsecureRequests ? [] : null,
    },
  });
}

/**
 * The docs page may load our own scripts and styles; the rest of the API keeps `default-src 'none'`.
 * `upgrade-insecure-requests` only in production over https: over plain http on any host but
 * localhost it would send the page's own scripts to an https port nobody serves, leaving it blank.
 */
function docsContentSecurityPolicy(isProduction: boolean): RequestHandler {
  const upgrading = docsPolicy(true);
  const plain = docsPolicy(false);
  return (req, res, next) => (isProduction && req.secure ? upgrading : plain)(req, res, next);
}

/** `/openapi.json` and an interactive reference at `/docs`, with assets served by us (no CDN). */
export function createDocsRouter(openApiDocument: object, options: { isProduction: boolean }): Router {
  const router = Router();
  const policy = docsContentSecurityPolicy(options.isProduction);
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  router.get('/docs', policy, (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  router.get('/docs/init.js', policy, (_req, res) => {
    res.type('application/javascript').send(DOCS_INIT);
  });
  router.get('/docs/assets/:file', policy, (req, res, next) => {
    const file = String(req.params.file);
    if (!DOCS_ASSETS.has(file)) return next();
    res.sendFile(path.join(SWAGGER_UI_DIR, file), { maxAge: '1d' });
  });
  return router;
}
