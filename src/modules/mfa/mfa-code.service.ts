import { Types } from 'mongoose';
import type { Clock } from '../../lib/clock';
import { hashRecoveryCode } from './recovery-codes';
import type { SecretBox } from '../../lib/secret-box';
import { matchTotpStep, TOTP_CODE_PATTERN } from './totp';
import { UserModel } from '../users';

export type SecondFactor = 'totp' | 'recovery_code';

export type MfaCodeService = ReturnType<typeof createMfaCodeService>;

/**
 * Checks a second-factor code of an account with MFA on, and spends it in the same atomic write:
 * a TOTP time step is accepted only when it is later than the last one accepted, a recovery code only
 * while its hash is still stored. However many requests race with one code, one of them wins.
 */
export function createMfaCodeService(deps: { box: SecretBox; now: Clock }) {
  async function spendTotp(userId: Types.ObjectId, sealedSecret: string, code: string): Promise<boolean> {
    const step = matchTotpStep(deps.box.open(sealedSecret), code, deps.now());
    if (step === null) return false;
    const result = await UserModel.updateOne(
      { _id: userId, mfaEnabled: true, mfaSecret: sealedSecret, $or: [{ mfaLastStep: null }, { mfaLastStep: { $lt: step } }] },
      { $set: { mfaLastStep: step } },
    );
    return result.modifiedCount === 1;
  }

  async function spendRecoveryCode(userId: Types.ObjectId, code: string): Promise<boolean> {
    const hash = hashRecoveryCode(code);
    const result = await UserModel.updateOne(
      { _id: userId, mfaEnabled: true, mfaRecoveryCodes: hash },
      { $pull: { mfaRecoveryCodes: hash } },
    );
    return result.modifiedCount === 1;
  }

  /** Spends a current TOTP code or an unused recovery code; returns which, or null when it is not valid (any more). */
  async function spendCode(userId: string, code: string): Promise<SecondFactor | null> {
    if (!Types.ObjectId.isValid(userId)) return null;
    const id = new Types.ObjectId(userId);
    const trimmed = code.trim();
    if (TOTP_CODE_PATTERN.test(trimmed)) {
      const user = await UserModel.findById(id, { mfaEnabled: 1, mfaSecret: 1 }).select('+mfaSecret').lean();
      if (!user?.mfaEnabled || !user.mfaSecret) return null;
      return (await spendTotp(id, user.mfaSecret, trimmed)) ? 'totp' : null;
    }
    return (await spendRecoveryCode(id, trimmed)) ? 'recovery_code' : null;
  }

  /**
   * Re-seals every TOTP secret sealed under a key other than the current one (after DATA_ENCRYPTION_KEY
   * was rotated with the old key as DATA_ENCRYPTION_PREVIOUS_KEY). Each write is conditional on the old
   * value, so a concurrent enrolment or disable is never overwritten. Returns how many were re-sealed.
   */
  async function resealSecrets(): Promise<number> {
    let resealed = 0;
    const cursor = UserModel.find({ mfaSecret: { $ne: null } }, { mfaSecret: 1 })
      .select('+mfaSecret')
      .lean()
      .cursor();
    for await (const user of cursor) {
      const sealed = user.mfaSecret;
      if (!sealed || !deps.box.needsResealing(sealed)) continue;
      const result = await UserModel.updateOne(
        { _id: user._id, mfaSecret: sealed },
        { $set: { mfaSecret: deps.box.seal(deps.box.open(sealed)) } },
      );
      resealed += result.modifiedCount;
    }
    return resealed;
  }

  return { spendCode, resealSecrets };
}
