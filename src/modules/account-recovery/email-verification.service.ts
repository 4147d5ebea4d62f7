import type { Config } from '../../config/env';
import { AppError, ConflictError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { AuditService } from '../audit';
import type { MailOutboxService, OutboxMessageRecord, ResolvedMail } from '../mail';
import { type AuthContext, toUserView, type UserFields, type UserRecords, type UserView } from '../users';
import type { AfterAddressProven } from './address-proof';
import type { AccountMailService } from './account-mail.service';
import type { AccountTokenRecord } from './account-token.model';
import type { AccountTokenService } from './account-token.service';

const GATE = 'email_verification';

const invalidVerificationToken = (): AppError =>
  new AppError(400, 'VERIFICATION_TOKEN_INVALID', 'This link is not valid: it is unknown, used, replaced by a newer one or expired.');

export type EmailVerificationService = ReturnType<typeof createEmailVerificationService>;

/** Confirms addresses: the registration address, and a new address before the account switches to it. */
export function createEmailVerificationService(deps: {
  mail: Config['mail'];
  users: Pick<UserRecords, 'findRecipient' | 'confirmEmail' | 'setEmail' | 'findView'>;
  tokens: AccountTokenService;
  outbox: MailOutboxService;
  accountMail: AccountMailService;
  afterAddressProven: AfterAddressProven;
  audit: AuditService;
}) {
  const { tokens, accountMail, audit } = deps;

  /** The address is not proven yet, so the mail carries nothing the account holder chose (no name). */
  const verificationMail = (user: { id: string; email: string }) => ({
    template: 'email_verification' as const,
    purpose: 'email_verification' as const,
    user: { id: user.id, addressProven: false },
    email: user.email,
    ttlMs: deps.mail.emailVerificationTtlMs,
  });

  async function sendVerification(user: { id: string; email: string }): Promise<void> {
    await accountMail.sendTokenMail(user.email, verificationMail(user));
  }

  /**
   * Mails the verification link of a new account and starts its resend interval. The gate it opens is
   * read only by the outbox worker, never on the public resend's request path.
   */
  async function startVerification(user: { id: string; email: string }): Promise<void> {
    await tokens.openGate(GATE, user.email);
    await sendVerification(user);
  }

  /**
   * Public resend: one insert, whatever the address. The worker takes the resend gate and finds out
   * whether the address is an unverified account, so the answer's timing tells nothing of an account,
   * of its registration's gate or of a recent mail.
   */
  async function requestVerification(email: string, client: ClientInfo): Promise<void> {
    await deps.outbox.enqueueRequest('verification_request', 'email_verification', email, client.ip);
  }

  /** The worker's half of a public resend: a mail for an active, unverified account outside the gate's interval, else nothing. */
  async function composeVerificationMail(message: OutboxMessageRecord): Promise<ResolvedMail | null> {
    if (!(await tokens.openGate(GATE, message.to))) return null;
    const user = await deps.users.findRecipient(message.to);
    if (!user || user.status !== 'active' || user.emailVerified) return null;
    return { userId: user.id, content: await accountMail.composeTokenMail(verificationMail(user)) };
  }

  /** Resend for the signed-in caller; 409 when the address is verified already. */
  async function resendForCaller(auth: AuthContext): Promise<void> {
    if (auth.user.emailVerified) throw new ConflictError('EMAIL_ALREADY_VERIFIED', 'The e-mail address is verified already.');
    if (await tokens.openGate(GATE, auth.user.email)) await sendVerification({ id: auth.userId, email: auth.user.email });
  }

  async function switchAddress(token: AccountTokenRecord): Promise<{ user: UserFields; from: string } | null> {
    let before: string | null;
    try {
      before = await deps.users.setEmail(token.userId, token.email, { endSessions: false });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await tokens.unspendToken(token);
      throw error;
    }
    if (before === null) return null;
    const user = await deps.users.findView(token.userId);
    return user ? { user, from: before } : null;
  }

  /**
   * Uses a verification link: confirms the registration address, or switches the account to the
   * new address of a change (409 when another account took it meanwhile; the link stays usable).
   */
  async function verifyEmail(input: { token: string }, client: ClientInfo): Promise<UserView> {
    const token = await tokens.spendToken(input.token, ['email_verification', 'email_change']);
    if (!token) throw invalidVerificationToken();
    const userId = token.userId.toString();
    const base = { actorId: userId, targetId: userId, ip: client.ip };
    if (token.purpose === 'email_verification') {
      // Only while the account still has the address the link was sent to.
      const user = await deps.users.confirmEmail(token.userId, token.email);
      if (!user) throw invalidVerificationToken();
      await deps.afterAddressProven({ userId, address: token.email, reason: 'email_verified' }, client);
      audit.record({ type: 'user.email_verified', ...base, details: { email: token.email } });
      return toUserView(user);
    }
    const switched = await switchAddress(token);
    if (!switched) throw invalidVerificationToken();
    // Links sent to the old address must not work for the new one.
    await tokens.voidTokens(userId, ['password_reset', 'email_verification', 'email_change']);
    await deps.afterAddressProven({ userId, address: token.email, reason: 'email_changed' }, client);
    audit.record({ type: 'user.email_changed', ...base, details: { from: switched.from, to: token.email } });
    return toUserView(switched.user);
  }

  return { startVerification, requestVerification, composeVerificationMail, resendForCaller, verifyEmail };
}
