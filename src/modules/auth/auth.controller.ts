import type { Request, Response } from 'express';
import { clientInfoOf } from '../../lib/client-info';
import { inputOf } from '../../middleware/validate';
import type { BindingCookie } from '../identities';
import { authOf } from '../users';
import type { AuthSchemas } from './auth.schemas';
import type { AuthService, LoginResult } from './auth.service';
import { bearerTokenOf } from './authenticate';
import type { DeviceCookie } from './device-cookie';
import type { RefreshCookie } from './refresh-cookie';

export function createAuthController(
  auth: AuthService,
  schemas: AuthSchemas,
  refreshCookie: RefreshCookie,
  deviceCookie: DeviceCookie,
  bindingCookie: Pick<BindingCookie, 'read'>,
) {
  /** A completed login, by password alone or after the second factor: the cookies and the login body. */
  function sendLogin(res: Response, { refreshToken, deviceToken, ...result }: LoginResult, extra: { returnTo?: string } = {}): void {
    refreshCookie.set(res, refreshToken);
    deviceCookie.set(res, deviceToken);
    res.json({
      data: {
        accessToken: result.accessToken,
        tokenType: 'Bearer',
        expiresIn: result.expiresIn,
        user: result.user,
        session: result.session,
        ...extra,
      },
    });
  }

  return {
    async register(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.register);
      const user = await auth.register(body, clientInfoOf(req));
      res.status(201).json({ data: { user } });
    },

    async login(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.login);
      sendLogin(res, await auth.login(body, clientInfoOf(req), deviceCookie.read(req)));
    },

    async verifyMfa(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.verifyMfa);
      sendLogin(res, await auth.verifyMfa(body, clientInfoOf(req), deviceCookie.read(req)));
    },

    async passkeyOptions(_req: Request, res: Response): Promise<void> {
      res.json({ data: await auth.startPasskeySignIn() });
    },

    async signInWithPasskey(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.signInWithPasskey);
      sendLogin(res, await auth.signInWithPasskey(body, clientInfoOf(req)));
    },

    /** The one-time code of a provider's callback, from the browser that started the sign-in. */
    async exchangeOAuthCode(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.exchangeOAuthCode);
      const { returnTo, ...login } = await auth.exchangeOAuthCode(body.code, bindingCookie.read(req), clientInfoOf(req));
      sendLogin(res, login, { returnTo });
    },

    async refresh(req: Request, res: Response): Promise<void> {
      const result = await auth.refresh(refreshCookie.read(req), clientInfoOf(req), { isOpen: () => !req.socket.destroyed });
      if (result.refreshToken) refreshCookie.set(res, result.refreshToken);
      res.json({ data: { accessToken: result.accessToken, tokenType: 'Bearer', expiresIn: result.expiresIn } });
    },

    async logout(req: Request, res: Response): Promise<void> {
      await auth.logout({ refreshToken: refreshCookie.read(req), accessToken: bearerTokenOf(req) }, clientInfoOf(req));
      refreshCookie.clear(res);
      res.status(204).end();
    },

    async logoutAll(req: Request, res: Response): Promise<void> {
      await auth.logoutAll(authOf(req), clientInfoOf(req));
      refreshCookie.clear(res);
      res.status(204).end();
    },
  };
}
