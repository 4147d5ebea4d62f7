import type { Request, Response } from 'express';
import { clientInfoOf } from '../../lib/client-info';
import { inputOf } from '../../middleware/validate';
import type { SessionService } from '../sessions';
import { authOf } from './caller';
import type { MeSchemas } from './me.schemas';
import type { UserService } from './user.service';

export function createMeController(deps: {
  users: UserService;
  sessions: SessionService;
  schemas: MeSchemas;
  /** Clears the refresh cookie once the account is gone (the auth module's cookie, wired by app.ts). */
  refreshCookie: { clear(res: Response): void };
}) {
  const { users, sessions, schemas } = deps;
  return {
    async show(req: Request, res: Response): Promise<void> {
      res.json({ data: users.getProfile(authOf(req)) });
    },

    async update(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.updateProfile);
      res.json({ data: { user: await users.updateProfile(authOf(req), body, clientInfoOf(req)) } });
    },

    async changePassword(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.changePassword);
      await users.changePassword(authOf(req), body, clientInfoOf(req));
      res.status(204).end();
    },

    async deleteAccount(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.deleteAccount);
      await users.deleteOwnAccount(authOf(req), body, clientInfoOf(req));
      deps.refreshCookie.clear(res);
      res.status(204).end();
    },

    async listSessions(req: Request, res: Response): Promise<void> {
      const auth = authOf(req);
      res.json({ data: await sessions.listActiveSessions(auth.userId, auth.sessionId) });
    },

    async revokeSession(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.revokeSession);
      await users.revokeOwnSession(authOf(req), params.sessionId, clientInfoOf(req));
      res.status(204).end();
    },
  };
}
