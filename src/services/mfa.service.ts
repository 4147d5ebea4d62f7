import { Types } from 'mongoose';
import type { Config } from '../config/env';
import { AppError, ConflictError, NotFoundError } from '../errors/app-error';
import type { Clock } from '../lib/clock';
import { generateRecoveryCodes } from '../lib/recovery-codes';
import type { SecretBox } from '../lib/secret-box';
import { generateTotpSecret, matchTotpStep, totpUri } from '../lib/totp';
import { UserModel } from '../models/user.model';
import type { AuditService } from './audit.service';
import type { ReauthProof, ReauthService } from './reauth.service';
import type { AuthContext, ClientInfo, SessionService } from './session.service';

/** Hands the notice "your second factor was turned off by an administrator" to the mail outbox. */
export type MfaResetNotifier = (user: { id: string; email: string }) => Promise<void>;

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
  notifyMfaReset: MfaResetNotifier;
}) {
  const { box, reauth, audit } = deps;

  async function mfaStateOf(userId: string): Promise<{ email: string; mfaEnabled: boolean; mfaSecret: string | null }> {
    const user = Types.ObjectId.isValid(userId)
      ? await UserModel.findById(userId, { email: 1, mfaEnabled: 1, mfaSecret: 1 }).select('+mfaSecret').lean()
      : null;
    if (!user) throw new NotFoundError('No such user.');
    return { email: user.email, mfaEnabled: user.mfaEnabled === true, mfaSecret: user.mfaSecret ?? null };
  }

  function recordFor(
    auth: AuthContext,
    client: ClientInfo,
    type: 'user.mfa_enabled' | 'user.mfa_disabled' | 'user.recovery_codes_regenerated',
  ) {
    audit.record({ type, actorId: auth.userId, targetId: auth.userId, sessionId: auth.sessionId, ip: client.ip });
  }

  /** Starts (or restarts) enrolment after the password is confirmed: a new secret, pending until confirmed. */
  async function startEnrolment(auth: AuthContext, password: string, client: ClientInfo): Promise<{ secret: string; otpauthUrl: string }> {
    const state = await mfaStateOf(auth.userId);
    if (state.mfaEnabled) throw alreadyEnabled();
    await reauth.confirmPassword(auth, password, client);
    const secret = generateTotpSecret();
    const result = await UserModel.updateOne(
      { _id: auth.userId, mfaEnabled: { $ne: true } },
      { $set: { mfaSecret: box.seal(secret), mfaLastStep: null } },
    );
    if (result.matchedCount === 0) throw alreadyEnabled();
    return { secret, otpauthUrl: totpUri(secret, state.email, deps.config.issuer) };
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
    const result = await UserModel.updateOne(
      { _id: auth.userId, mfaEnabled: { $ne: true }, mfaSecret: sealed },
      { $set: { mfaEnabled: true, mfaLastStep: matched.step, mfaRecoveryCodes: hashes } },
    );
    if (result.matchedCount === 0) throw new AppError(409, 'MFA_ALREADY_ENABLED', 'The enrolment changed meanwhile; start again.');
    await deps.sessions.recordSecondFactor(auth.sessionId);
    recordFor(auth, client, 'user.mfa_enabled');
    return { recoveryCodes: codes };
  }

  /** Turns MFA off after the password and a code are confirmed. */
  async function disable(auth: AuthContext, proof: ReauthProof, client: ClientInfo): Promise<void> {
    if (!(await mfaStateOf(auth.userId)).mfaEnabled) throw notEnabled();
    await reauth.confirmIdentity(auth, proof, client);
    await turnOff(auth.userId);
    recordFor(auth, client, 'user.mfa_disabled');
  }

  /** Replaces every recovery code after the password and a code are confirmed; the old ones stop working. */
  async function regenerateRecoveryCodes(auth: AuthContext, proof: ReauthProof, client: ClientInfo): Promise<{ recoveryCodes: string[] }> {
    if (!(await mfaStateOf(auth.userId)).mfaEnabled) throw notEnabled();
    await reauth.confirmIdentity(auth, proof, client);
    const { codes, hashes } = generateRecoveryCodes();
    const result = await UserModel.updateOne({ _id: auth.userId, mfaEnabled: true }, { $set: { mfaRecoveryCodes: hashes } });
    if (result.matchedCount === 0) throw notEnabled();
    recordFor(auth, client, 'user.recovery_codes_regenerated');
    return { recoveryCodes: codes };
  }

  async function turnOff(userId: string): Promise<boolean> {
    const result = await UserModel.updateOne(
      { _id: userId, mfaEnabled: true },
      { $set: { mfaEnabled: false, mfaSecret: null, mfaLastStep: null }, $unset: { mfaRecoveryCodes: 1 } },
    );
    return result.modifiedCount === 1;
  }

  /** An admin turns a user's MFA off (lost phone): every session of the user ends and the user is told by mail. */
  async function resetByAdmin(actor: AuthContext, userId: string, client: ClientInfo): Promise<void> {
    const state = await mfaStateOf(userId);
    if (!state.mfaEnabled || !(await turnOff(userId))) throw notEnabled();
    const revokedSessions = await deps.sessions.revokeAllUserSessions(userId, 'mfa_reset');
    audit.record({
      type: 'user.mfa_reset',
      actorId: actor.userId,
      targetId: userId,
      sessionId: actor.sessionId,
      ip: client.ip,
      details: { revokedSessions },
    });
    await deps.notifyMfaReset({ id: userId, email: state.email });
  }

  return { startEnrolment, confirmEnrolment, disable, regenerateRecoveryCodes, resetByAdmin };
}
