import type { Request, Response } from 'express';
import { AppError } from '../../errors/app-error';
import { clientInfoOf } from '../../lib/client-info';
import { inputOf } from '../../middleware/validate';
import { authOf } from '../users';
import type { BindingCookie } from './binding-cookie';
import type { IdentitiesSchemas } from './identities.schemas';
import type { IdentitiesService } from './identities.service';
import type { OAuthSignIn } from './oauth-sign-in.service';

/** Codes the callback hands the frontend in `?error=` (a browser is being redirected; a JSON problem would strand it). */
const REDIRECTED_CODES = new Set(['OAUTH_STATE_INVALID', 'OAUTH_FAILED', 'ACCOUNT_EXISTS', 'ACCOUNT_DISABLED', 'IDENTITY_TAKEN']);

export function createIdentitiesController(deps: {
  signIn: OAuthSignIn;
  identities: IdentitiesService;
  schemas: IdentitiesSchemas;
  bindingCookie: BindingCookie;
  appUrl: string;
}) {
  const { signIn, identities, schemas, bindingCookie } = deps;

  /** Sends the browser to the frontend's completion page; only a one-time code or an error code, never a token. */
  function redirectToApp(res: Response, parameters: Record<string, string>): void {
    const url = new URL(`${deps.appUrl}/oauth-complete`);
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    res.redirect(302, url.href);
  }

  /** Runs a browser step; a refusal the frontend can explain goes there as `?error=CODE`. */
  async function redirectingErrors(res: Response, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (error instanceof AppError && REDIRECTED_CODES.has(error.code)) return redirectToApp(res, { error: error.code });
      throw error;
    }
  }

  return {
    listProviders(_req: Request, res: Response): void {
      res.json({ data: signIn.listProviders() });
    },

    async start(req: Request, res: Response): Promise<void> {
      const { params, query } = inputOf(res, schemas.start);
      signIn.providerOf(params.provider);
      const binding = bindingCookie.ensure(req, res);
      await redirectingErrors(res, async () => {
        res.redirect(302, await signIn.start({ provider: params.provider, returnTo: query.returnTo, binding }));
      });
    },

    async callback(req: Request, res: Response): Promise<void> {
      const { params, query } = inputOf(res, schemas.callback);
      const search = new URL(req.originalUrl, 'http://callback.invalid').search;
      const input = { provider: params.provider, query: search, state: query.state, binding: bindingCookie.read(req) };
      await redirectingErrors(res, async () => {
        const outcome = await signIn.completeCallback(input, clientInfoOf(req));
        redirectToApp(res, outcome.kind === 'signed_in' ? { code: outcome.code } : { linked: outcome.provider });
      });
    },

    async listMine(req: Request, res: Response): Promise<void> {
      res.json({ data: await identities.list(authOf(req)) });
    },

    async startLink(req: Request, res: Response): Promise<void> {
      const { params, body } = inputOf(res, schemas.startLink);
      const auth = authOf(req);
      // The callback must come back to this browser: the binding cookie is set here, for the OAuth routes' path.
      const url = await identities.startLink(
        auth,
        { provider: params.provider, password: body.password, binding: bindingCookie.ensure(req, res) },
        clientInfoOf(req),
      );
      res.json({ data: { url } });
    },

    async unlink(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.unlink);
      await identities.unlink(authOf(req), params.provider, clientInfoOf(req));
      res.status(204).end();
    },
  };
}

export type IdentitiesController = ReturnType<typeof createIdentitiesController>;
