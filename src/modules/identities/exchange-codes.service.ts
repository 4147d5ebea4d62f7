import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { AppError } from '../../errors/app-error';
import { addMs, type Clock } from '../../lib/clock';
import { ExchangeCodeModel } from './exchange-code.model';
import { sha256 } from './hash';

export const invalidExchangeCode = (): AppError =>
  new AppError(400, 'OAUTH_CODE_INVALID', 'The sign-in code is unknown, used or expired; sign in again.');

/** What a spent code grants: a sign-in to the account through the identity, then the way to returnTo. */
export interface CodeGrant {
  userId: string;
  identityKey: string;
  returnTo: string;
}

export type ExchangeCodes = ReturnType<typeof createExchangeCodes>;

/**
 * One-time codes between the provider's callback and the login: at least 256 random bits, stored as a
 * hash, short-lived, single use (of parallel redemptions exactly one wins) and only for the browser
 * whose binding cookie started the sign-in.
 */
export function createExchangeCodes(deps: { now: Clock; ttlMs: number }) {
  async function issue(grant: { userId: string; identityKey: string; binding: string; returnTo: string }): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    await ExchangeCodeModel.create({
      _id: sha256(code),
      userId: new Types.ObjectId(grant.userId),
      identityKey: grant.identityKey,
      bindingHash: sha256(grant.binding),
      returnTo: grant.returnTo,
      expiresAt: addMs(deps.now(), deps.ttlMs),
    });
    return code;
  }

  /** Spends a code presented with its browser's binding; 400 OAUTH_CODE_INVALID otherwise. */
  async function redeem(code: string, binding: string | undefined): Promise<CodeGrant> {
    if (!binding) throw invalidExchangeCode();
    const now = deps.now();
    const spent = await ExchangeCodeModel.findOneAndUpdate(
      { _id: sha256(code), bindingHash: sha256(binding), usedAt: null, expiresAt: { $gt: now } },
      { $set: { usedAt: now } },
      { projection: { userId: 1, identityKey: 1, returnTo: 1 } },
    ).lean();
    if (!spent) throw invalidExchangeCode();
    return { userId: spent.userId.toString(), identityKey: spent.identityKey, returnTo: spent.returnTo };
  }

  async function forgetUser(userId: string): Promise<void> {
    await ExchangeCodeModel.deleteMany({ userId: new Types.ObjectId(userId) });
  }

  /** Removes ended codes (the TTL index does it on MongoDB; the fallback database never does). */
  async function sweepExpired(): Promise<number> {
    return (await ExchangeCodeModel.deleteMany({ expiresAt: { $lte: deps.now() } })).deletedCount;
  }

  return { issue, redeem, forgetUser, sweepExpired };
}
