import { Types } from 'mongoose';
import type { Clock } from '../../lib/clock';
import type { SecretBox } from '../../lib/secret-box';
import type { UserRecords } from '../users';
import { hashRecoveryCode } from './recovery-codes';
import { matchTotpStep, TOTP_CODE_PATTERN } from './totp';

export type SecondFactor = 'totp' | 'recovery_code';

export type MfaCodeService = ReturnType<typeof createMfaCodeService>;

/**
 * Checks a second-factor code of an account with MFA on, and spends it in the same atomic write:
 * a TOTP time step is accepted only when it is later than the last one accepted, a recovery code only
 * while its hash is still stored. However many requests race with one code, one of them wins.
 */
export function createMfaCodeService(deps: { box: SecretBox; now: Clock; users: Pick<UserRecords, 'mfa'> }) {
  const { mfa } = deps.users;

  async function spendTotp(userId: Types.ObjectId, sealedSecret: string, code: string): Promise<boolean> {
    const step = matchTotpStep(deps.box.open(sealedSecret), code, deps.now());
    return step !== null && mfa.acceptTotpStep(userId, sealedSecret, step);
  }

  /** Spends a current TOTP code or an unused recovery code; returns which, or null when it is not valid (any more). */
  async function spendCode(userId: string, code: string): Promise<SecondFactor | null> {
    if (!Types.ObjectId.isValid(userId)) return null;
    const id = new Types.ObjectId(userId);
    const trimmed = code.trim();
    if (TOTP_CODE_PATTERN.test(trimmed)) {
      const user = await mfa.find(userId);
      if (!user?.mfaEnabled || !user.mfaSecret) return null;
      return (await spendTotp(id, user.mfaSecret, trimmed)) ? 'totp' : null;
    }
    return (await mfa.spendRecoveryCode(id, hashRecoveryCode(trimmed))) ? 'recovery_code' : null;
  }

  /**
   * Re-seals every TOTP secret sealed under a key other than the current one (after DATA_ENCRYPTION_KEY
   * was rotated with the old key as DATA_ENCRYPTION_PREVIOUS_KEY). Returns how many were re-sealed.
   */
  function resealSecrets(): Promise<number> {
    return mfa.resealSecrets((sealed) => (deps.box.needsResealing(sealed) ? deps.box.seal(deps.box.open(sealed)) : null));
  }

  return { spendCode, resealSecrets };
}
