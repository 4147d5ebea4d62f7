import type { Config } from '../../config/env';
import { AppError, ConflictError, ValidationError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { AuditService } from '../audit';
import type { SessionService } from '../sessions';
import type { AuthContext, Reauthentication, UserRecords } from '../users';
import type { AfterAddressProven } from './address-proof';
import type { AccountMailService } from './account-mail.service';
import type { AccountTokenService } from './account-token.service';

const invalidRevertToken = (): AppError =>
  new AppError(400, 'VERIFICATION_TOKEN_INVALID', 'This link is not valid: it is unknown, used or expired.');

export type EmailChangeService = ReturnType<typeof createEmailChangeService>;

/** Address changes: verified before they apply, and revertible from the old address for a week. */
export function createEmailChangeService(deps: {
  mail: Config['mail'];
  users: Pick<UserRecords, 'isEmailTaken' | 'setEmail'>;
  tokens: AccountTokenService;
  accountMail: AccountMailService;
  sessions: SessionService;
  audit: AuditService;
  /** Checks the caller's password (and second factor, where there is one) before the change. */
  reauth: Pick<Reauthentication, 'confirmIdentity'>;
  afterAddressProven: AfterAddressProven;
}) {
  const { tokens, accountMail } = deps;

  /**
   * Mails a verification link to the new address and, to the current one, a notice whose only link
   * reverts the change. Nothing about the account changes until the new address is verified. Each
   * mail passes its own resend gate, so repeated requests cannot turn this into a relay to a stranger
   * (a gated-out request answers the same and mints nothing); the mail to the unproven new address
   * carries nothing the account holder chose.
   */
  async function requestChange(auth: AuthContext, input: { newEmail: string; password: string; code?: string }, client: ClientInfo) {
    await deps.reauth.confirmIdentity(auth, input, client);
    const current = auth.user.email;
    if (input.newEmail === current) throw new ValidationError([{ path: 'newEmail', message: 'is the current address' }]);
    if (await deps.users.isEmailTaken(input.newEmail)) throw new ConflictError('EMAIL_TAKEN', 'An account with this email exists.');
    if (!(await tokens.openGate('email_change', input.newEmail))) return;
    await accountMail.sendTokenMail(input.newEmail, {
      template: 'email_change',
      purpose: 'email_change',
      user: { id: auth.userId, addressProven: false },
      email: input.newEmail,
      ttlMs: deps.mail.emailVerificationTtlMs,
    });
    // A notice gated out still leaves the earlier one's revert link working: no later change voids it.
    if (!(await tokens.openGate('email_change_notice', current))) return;
    await accountMail.sendTokenMail(current, {
      template: 'email_change_notice',
      purpose: 'email_revert',
      user: { id: auth.userId, name: auth.user.name, addressProven: auth.user.emailVerified === true },
      email: current,
      ttlMs: deps.mail.emailRevertTtlMs,
      keepOlder: true,
      facts: { 'New address': input.newEmail },
    });
  }

  /**
   * "This wasn't me": restores the address the link was sent to, ends every session and voids the
   * account's resets, verifications, pending changes and every revert link sent after this one. Older
   * revert links stay valid: whoever holds a later address cannot void the owner's way back.
   */
  async function revertChange(input: { token: string }, client: ClientInfo): Promise<void> {
    const token = await tokens.spendToken(input.token, ['email_revert']);
    if (!token) throw invalidRevertToken();
    const userId = token.userId.toString();
    let before: string | null;
    try {
      // Ending the sessions in the same write stops every session made before it, a racing login's included.
      before = await deps.users.setEmail(token.userId, token.email, { endSessions: true });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await tokens.unspendToken(token);
      throw new ConflictError('EMAIL_TAKEN', 'Another account has taken the previous address in the meantime.');
    }
    if (before === null) throw invalidRevertToken();
    await deps.afterAddressProven({ userId, address: token.email, reason: 'email_reverted' }, client);
    const revokedSessions = await deps.sessions.revokeAllUserSessions(userId, 'email_reverted');
    await tokens.voidTokens(userId, ['password_reset', 'email_verification', 'email_change']);
    const voidedReverts = await tokens.voidTokens(userId, ['email_revert'], token.issuedAt);
    deps.audit.record({
      type: 'user.email_reverted',
      actorId: userId,
      targetId: userId,
      ip: client.ip,
      details: { from: before, to: token.email, revokedSessions, voidedReverts },
    });
  }

  return { requestChange, revertChange };
}
