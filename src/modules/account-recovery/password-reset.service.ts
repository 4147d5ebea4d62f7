import type { Config } from '../../config/env';
import { AppError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { PasswordHasher } from '../../lib/password-hasher';
import type { AuditService } from '../audit';
import type { MailOutboxService, OutboxMessageRecord, ResolvedMail } from '../mail';
import type { SessionService } from '../sessions';
import type { PasswordPolicy, UserRecords } from '../users';
import type { AccountMailService } from './account-mail.service';
import type { AfterAddressProven } from './address-proof';
import type { AccountTokenService } from './account-token.service';

const GATE = 'password_reset';

const invalidResetToken = (): AppError =>
  new AppError(400, 'RESET_TOKEN_INVALID', 'This reset link is not valid: it is unknown, used, replaced by a newer one or expired.');

export type PasswordResetService = ReturnType<typeof createPasswordResetService>;

/** Forgot password and reset by a mailed single-use link. */
export function createPasswordResetService(deps: {
  mail: Config['mail'];
  hasher: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  tokens: AccountTokenService;
  outbox: MailOutboxService;
  accountMail: AccountMailService;
  sessions: SessionService;
  users: Pick<UserRecords, 'findRecipient' | 'setPassword'>;
  /** Forgets an address's login failures (the auth module's throttle, wired by container.ts). */
  clearLoginFailures: (email: string) => Promise<void>;
  afterAddressProven: AfterAddressProven;
  audit: AuditService;
}) {
  const { tokens, audit } = deps;

  /**
   * Queues a reset request for an address. Known and unknown addresses take the same path (one gate
   * upsert, at most one insert): whether an account exists is only looked up by the outbox worker.
   */
  async function requestReset(email: string, client: ClientInfo): Promise<void> {
    if (await tokens.openGate(GATE, email)) await deps.outbox.enqueueRequest('password_reset_request', 'password_reset', email, client.ip);
  }

  /** The worker's half of a request: the reset mail for an active account, else nothing. */
  async function composeResetMail(message: OutboxMessageRecord): Promise<ResolvedMail | null> {
    const user = await deps.users.findRecipient(message.to);
    if (!user || user.status !== 'active') return null;
    const userId = user.id;
    const content = await deps.accountMail.composeTokenMail({
      template: 'password_reset',
      purpose: 'password_reset',
      user: { id: userId, name: user.name, addressProven: user.emailVerified },
      email: user.email,
      ttlMs: deps.mail.passwordResetTtlMs,
    });
    audit.record({ type: 'user.password_reset_requested', targetId: userId, ip: message.requestIp ?? null });
    return { userId, content };
  }

  /**
   * Replaces the password of the token's account. The token is checked cheaply first, the new
   * password hashed, and only then spent in one conditional write (so exactly one of concurrent
   * uses wins, and a hashing failure leaves it unspent). Sign-in providers that did not vouch for the
   * address go (the link proved the mailbox). Every session and refresh token ends, the
   * login failures are cleared, pending address changes and device cookies are void; multi-factor
   * settings stay as they are.
   */
  async function resetPassword(input: { token: string; newPassword: string }, client: ClientInfo): Promise<void> {
    const usable = await tokens.findUsableToken(input.token, ['password_reset']);
    if (!usable) throw invalidResetToken();
    // Refused like a validation error: the link stays usable for a better password.
    deps.passwordPolicy.assertAcceptable(input.newPassword, usable, 'newPassword');
    const passwordHash = await deps.hasher.hash(input.newPassword);
    const token = await tokens.spendToken(input.token, ['password_reset']);
    if (!token) throw invalidResetToken();
    const userId = token.userId.toString();
    // The link proves control of the address it was sent to, which must still be the account's. The
    // credential version moves in the same write, so no session made before it is honoured again.
    const changed = await deps.users.setPassword(userId, passwordHash, { whileEmailIs: token.email, proveEmail: true });
    if (changed === null) throw invalidResetToken();
    const revokedSessions = await deps.sessions.revokeAllUserSessions(userId, 'password_reset');
    await deps.clearLoginFailures(token.email);
    await tokens.voidTokens(userId, ['password_reset']);
    const voidedEmailChanges = await tokens.voidPendingEmailChanges(userId);
    // Last, so a failure here (a retry needs a new link) leaves everything above done.
    await deps.afterAddressProven({ userId, address: token.email, reason: 'password_reset' }, client);
    audit.record({
      type: 'user.password_reset',
      actorId: userId,
      targetId: userId,
      ip: client.ip,
      details: { revokedSessions, voidedEmailChanges },
    });
  }

  return { requestReset, composeResetMail, resetPassword };
}
