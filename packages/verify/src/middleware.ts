import { Buffer } from 'node:buffer';
import type { NextFunction, Request, Response } from 'express';
import { KeyholdTokenError, tokenInvalid } from './errors.js';
import { problemResponseOf } from './problem.js';
import { createKeyholdVerifier } from './verifier.js';
import type { KeyholdClaims, KeyholdRole, KeyholdVerifier, KeyholdVerifierOptions } from './verifier.js';

/** What `requireKeyholdToken` puts on `req.auth` for the handlers after it. */
export interface KeyholdAuth {
  userId: string;
  sessionId: string;
  /** The role when the token was issued; Keyhold always sets it. */
  role: KeyholdRole | undefined;
  amr: string[];
  claims: KeyholdClaims;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own augmentation point
  namespace Express {
    interface Request {
      /** Set by `requireKeyholdToken` once the bearer token is verified. */
      auth?: KeyholdAuth;
    }
  }
}

export type RequireKeyholdTokenOptions = (KeyholdVerifierOptions | { verifier: KeyholdVerifier }) & {
  /** When given, a verified token whose `role` is not listed answers 403 FORBIDDEN. */
  roles?: readonly KeyholdRole[];
};

export type KeyholdTokenMiddleware = (req: Request, res: Response, next: NextFunction) => Promise<void>;

const B64TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/**
 * Express middleware: verifies `Authorization: Bearer <token>`, sets `req.auth`, and otherwise answers
 * 401 (no, invalid or expired token), 403 (role not in `roles`) or 503 (Keyhold's keys unreachable) as
 * problem+json. Pass `verifier` to share one key cache between several routes.
 */
export function requireKeyholdToken(options: RequireKeyholdTokenOptions): KeyholdTokenMiddleware {
  const verifier = 'verifier' in options ? options.verifier : createKeyholdVerifier(options);
  const roles = options.roles === undefined ? undefined : [...options.roles];
  if (roles !== undefined && roles.length === 0) throw new TypeError('roles, when given, must name at least one role');

  return async function keyholdToken(req: Request, res: Response, next: NextFunction): Promise<void> {
    let auth: KeyholdAuth;
    try {
      auth = authOf(await verifier.verify(bearerTokenOf(req)));
    } catch (error) {
      sendProblem(res, error instanceof KeyholdTokenError ? error : tokenInvalid(error));
      return;
    }
    if (roles !== undefined && (auth.role === undefined || !roles.includes(auth.role))) {
      sendProblem(res, new KeyholdTokenError('FORBIDDEN', 'Your role may not do this.'));
      return;
    }
    req.auth = auth;
    next();
  };
}

/** The bearer token; no Authorization header, another scheme or an empty one is UNAUTHENTICATED. */
function bearerTokenOf(req: Request): string {
  const header = (req.headers.authorization ?? '').trim();
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  const token = space === -1 ? '' : header.slice(space + 1).trim();
  if (scheme.toLowerCase() !== 'bearer' || token === '') {
    throw new KeyholdTokenError('UNAUTHENTICATED', 'Send an access token as "Authorization: Bearer <token>".');
  }
  if (!B64TOKEN.test(token)) throw tokenInvalid();
  return token;
}

function authOf(claims: KeyholdClaims): KeyholdAuth {
  return { userId: claims.sub, sessionId: claims.sid, role: claims.role, amr: claims.amr ?? [], claims };
}

function sendProblem(res: Response, error: KeyholdTokenError): void {
  const { status, headers, body } = problemResponseOf(error);
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
