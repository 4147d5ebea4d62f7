import type { Config } from '../../config/env';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { Clock } from '../../lib/clock';
import type { SecretBox } from '../../lib/secret-box';
import type { AuditService } from '../audit';
import type { SecondFactorChange } from '../mail';
import type { SessionService } from '../sessions';
import type { AuthContext, UserRecords } from '../users';
import type { ReauthProof, ReauthService } from './reauth.service';
import { generateRecoveryCodes } from './recovery-codes';
import { generateTotpSecret, matchTotpStep, totpUri } from './totp';

/** The account a notice goes to. */
export interface NoticeRecipient {
  id: string;
  email: string;
  name: string | null;
  addressProven: boolean;
}

/** Hands the security notices of second-factor changes to the mail outbox. */
export interface MfaNotifier {
  /** "Your second factor was turned off by an administrator." */
  reset(user: NoticeRecipient): Promise<void>;
  /** The user turned MFA on or off, or replaced the recovery codes: when and from where. */
  changed(user: NoticeRecipient, change: SecondFactorChange, client: ClientInfo): Promise<void>;
}

const alreadyEnabled = (): ConflictError => new ConflictError('MFA_ALREADY_ENABLED', 'Multi-factor authentication is already on.');
const notEnabled = (detail = 'Multi-factor authentication is not on.'): ConflictError => new ConflictError('MFA_NOT_ENABLED', detail);

export type MfaService = ReturnType<typeof createMfaService>;

/** TOTP enrolment, recovery codes, turning MFA off, and an admin's reset. */
export function createMfaService(deps: {
  config: Pick<Config['mfa'], 'issuer'>;
  now: Clock;
  box: SecretBox;
  reauth: ReauthService;
  sessions: SessionService;
  audit: AuditService;
  notify: MfaNotifier;
  /** Voids an account's pending address changes (an admin's MFA reset is a remedy after a takeover). */
  voidPendingEmailChanges: (userId: string) => Promise<number>;
  users: Pick<UserRecords, 'mfa'>;
}) {
  const { box, reauth, audit } = deps;
  const { mfa } = deps.users;

  async function mfaStateOf(userId: string): Promise<{ recipient: NoticeRecipient; mfaEnabled: boolean; mfaSecret: string | null }> {
    const user = await mfa.find(userId);
    if (!user) throw new NotFoundError('No such user.');
    const recipient = { id: userId, email: user.email, name: user.name, addressProven: user.emailVerified };
    return { recipient, mfaEnabled: user.mfaEnabled, mfaSecret: user.mfaSecret };
  }

  const AUDIT_TYPES = {
    mfa_enabled_notice: 'user.mfa_enabled',
    mfa_disabled_notice: 'user.mfa_disabled',
    recovery_codes_notice: 'user.recovery_codes_regenerated',
  } as const;

  /** Audits a change the user made and mails them a notice of it. */
  async function reportChange(auth: AuthContext, client: ClientInfo, recipient: NoticeRecipient, change: SecondFactorChange) {
    audit.record({ type: AUDIT_TYPES[change], actorId: auth.userId, targetId: auth.userId, sessionId: auth.sessionId, ip: client.ip });
    await deps.notify.changed(recipient, change, client);
  }

  /** Starts (or restarts) enrolment after the password is confirmed: a new secret, pending until confirmed. */
  async function startEnrolment(auth: AuthContext, password: string, client: ClientInfo): Promise<{ secret: string; otpauthUrl: string }> {
    const state = await mfaStateOf(auth.userId);
    if (state.mfaEnabled) throw alreadyEnabled();
    await reauth.confirmPassword(auth, password, client);
    const secret = generateTotpSecret();
    if (!(await mfa.startEnrolment(auth.userId, box.seal(secret)))) throw alreadyEnabled();
    return { secret, otpauthUrl: totpUri(secret, state.recipient.email, deps.config.issuer) };
  }

  /** Turns MFA on once a code from the pending secret is right; this session now counts as ['pwd', 'otp']. */
  async function confirmEnrolment(auth: AuthContext, code: string, client: ClientInfo): Promise<{ recoveryCodes: string[] }> {
    const state = await mfaStateOf(auth.userId);
    if (state.mfaEnabled) throw alreadyEnabled();
    const sealed = state.mfaSecret;
    if (!sealed) throw notEnabled('No enrolment was started: POST /api/v1/me/mfa/totp first.');
    const matched: { step: number | null } = { step: null };
    await reauth.guard(auth, client, async () => {
      matched.step = matchTotpStep(box.open(sealed), code, deps.now());
      return matched.step === null ? { ok: false, wrong: 'code' } : { ok: true, factor: 'totp' };
    });
    const { codes, hashes } = generateRecoveryCodes();
    if (!(await mfa.enable(auth.userId, { sealedSecret: sealed, step: matched.step, recoveryCodeHashes: hashes }))) {
      throw new AppError(409, 'MFA_ALREADY_ENABLED', 'The enrolment changed meanwhile; start again.');
    }
    await deps.sessions.recordSecondFactor(auth.sessionId);
    await reportChange(auth, client, state.recipient, 'mfa_enabled_notice');
    return { recoveryCodes: codes };
  }

  /** Turns MFA off after the password and a code are confirmed. */
  async function disable(auth: AuthContext, proof: ReauthProof, client: ClientInfo): Promise<void> {
    const state = await mfaStateOf(auth.userId);
    if (!state.mfaEnabled) throw notEnabled();
    await reauth.confirmIdentity(auth, proof, client);
    if (!(await mfa.disable(auth.userId))) throw notEnabled();
    await reportChange(auth, client, state.recipient, 'mfa_disabled_notice');
  }

  /** Replaces every recovery code after the password and a code are confirmed; the old ones stop working. */
  async function regenerateRecoveryCodes(auth: AuthContext, proof: ReauthProof, client: ClientInfo): Promise<{ recoveryCodes: string[] }> {
    const state = await mfaStateOf(auth.userId);
    if (!state.mfaEnabled) throw notEnabled();
    await reauth.confirmIdentity(auth, proof, client);
    const { codes, hashes } = generateRecoveryCodes();
    if (!(await mfa.replaceRecoveryCodes(auth.userId, hashes))) throw notEnabled();
    await reportChange(auth, client, state.recipient, 'recovery_codes_notice');
    return { recoveryCodes: codes };
  }

  /**
   * An admin turns another user's MFA off (lost phone): every session of the user ends, pending address
   * changes are void and the user is told by mail. Never one's own: that path needs password and code.
   */
  async function resetByAdmin(actor: AuthContext, userId: string, client: ClientInfo): Promise<void> {
    if (userId === actor.userId) {
      throw new ForbiddenError('FORBIDDEN', 'Turn off your own MFA with DELETE /api/v1/me/mfa/totp (password and code).');
    }
    const state = await mfaStateOf(userId);
    if (!state.mfaEnabled || !(await mfa.disable(userId))) throw notEnabled();
    const revokedSessions = await deps.sessions.revokeAllUserSessions(userId, 'mfa_reset');
    const voidedEmailChanges = await deps.voidPendingEmailChanges(userId);
    audit.record({
      type: 'user.mfa_reset',
      actorId: actor.userId,
      targetId: userId,
      sessionId: actor.sessionId,
      ip: client.ip,
      details: { revokedSessions, voidedEmailChanges },
    });
    await deps.notify.reset(state.recipient);
  }

  return { startEnrolment, confirmEnrolment, disable, regenerateRecoveryCodes, resetByAdmin };
}
