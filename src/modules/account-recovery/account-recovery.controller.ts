import type { Request, Response } from 'express';
import { clientInfoOf } from '../../lib/client-info';
import { inputOf } from '../../middleware/validate';
import { authOf } from '../users';
import type { AccountRecoverySchemas } from './account-recovery.schemas';
import type { EmailChangeService } from './email-change.service';
import type { EmailVerificationService } from './email-verification.service';
import type { PasswordResetService } from './password-reset.service';

export function createAccountRecoveryController(deps: {
  passwordReset: PasswordResetService;
  verification: EmailVerificationService;
  emailChange: EmailChangeService;
  schemas: AccountRecoverySchemas;
}) {
  const { passwordReset, verification, emailChange, schemas } = deps;
  return {
    async forgotPassword(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.forgotPassword);
      await passwordReset.requestReset(body.email, clientInfoOf(req));
      res.status(202).end();
    },

    async resetPassword(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.resetPassword);
      await passwordReset.resetPassword(body, clientInfoOf(req));
      res.status(204).end();
    },

    async verifyEmail(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.verifyEmail);
      res.json({ data: { user: await verification.verifyEmail(body, clientInfoOf(req)) } });
    },

    async requestVerification(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.requestVerification);
      await verification.requestVerification(body.email, clientInfoOf(req));
      res.status(202).end();
    },

    async resendVerification(req: Request, res: Response): Promise<void> {
      await verification.resendForCaller(authOf(req));
      res.status(202).end();
    },

    async changeEmail(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.changeEmail);
      await emailChange.requestChange(authOf(req), body, clientInfoOf(req));
      res.status(202).end();
    },

    async revertEmail(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.revertEmail);
      await emailChange.revertChange(body, clientInfoOf(req));
      res.status(204).end();
    },
  };
}

export type AccountRecoveryController = ReturnType<typeof createAccountRecoveryController>;
