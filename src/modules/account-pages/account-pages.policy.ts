import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The pages run only our own bundled script and stylesheet: no inline script or style, nothing from
 * another host, no framing. The QR code is drawn as SVG by the script. `no-referrer` because the mail-link
 * pages carry a token in their query until the script removes it.
 */
export function accountPagesPolicy(): RequestHandler {
  const csp = helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
    },
  });
  return (req, res, next) => {
    res.setHeader('Referrer-Policy', 'no-referrer');
    csp(req, res, next);
  };
}
