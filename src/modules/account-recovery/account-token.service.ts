import { createHash, randomBytes } from 'node:crypto';
import { isDuplicateKeyError } from '../../db/errors';
import { addMs, type Clock } from '../../lib/clock';
import { AccountTokenModel, type AccountTokenPurpose, type AccountTokenRecord } from './account-token.model';
import { MailGateModel } from './mail-gate.model';

/** 32 random bytes: the 256 bits the contract asks of every mailed token. */
const TOKEN_BYTES = 32;

export function hashAccountToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What a resend gate limits: one mail of each kind per address per MAIL_RESEND_INTERVAL. */
export const MAIL_GATE_PURPOSES = ['password_reset', 'email_verification', 'email_change', 'email_change_notice'] as const;
export type MailGatePurpose = (typeof MAIL_GATE_PURPOSES)[number];

const gateId = (purpose: MailGatePurpose, address: string): string => `${purpose}:${address}`;

export interface MintRequest {
  purpose: AccountTokenPurpose;
  userId: string;
  email: string;
  ttlMs: number;
  keepOlder?: boolean;
}

export type AccountTokenService = ReturnType<typeof createAccountTokenService>;

/** Single-use tokens for mailed links, stored as hashes, and the per-address resend gate. */
export function createAccountTokenService(deps: { now: Clock; resendIntervalMs: number }) {
  /**
   * Mints a token and voids the unused older ones of the same purpose, so only the newest link works.
   * Returns the token itself, which exists nowhere else but in the mail. `keepOlder` leaves older
   * ones valid: each revert link restores its own address, however many changes follow.
   */
  async function mintToken(input: MintRequest): Promise<string> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const issuedAt = deps.now();
    await AccountTokenModel.create({
      _id: hashAccountToken(token),
      purpose: input.purpose,
      userId: input.userId,
      email: input.email,
      issuedAt,
      expiresAt: addMs(issuedAt, input.ttlMs),
    });
    if (input.keepOlder) return token;
    await AccountTokenModel.updateMany(
      { userId: input.userId, purpose: input.purpose, usedAt: null, voidedAt: null, issuedAt: { $lt: issuedAt } },
      { $set: { voidedAt: issuedAt } },
    );
    return token;
  }

  function usableFilter(token: string, purposes: readonly AccountTokenPurpose[]) {
    return { _id: hashAccountToken(token), purpose: { $in: purposes }, usedAt: null, voidedAt: null, expiresAt: { $gt: deps.now() } };
  }

  /** The token's record while it is usable, without spending it. */
  async function findUsableToken(token: string, purposes: readonly AccountTokenPurpose[]): Promise<AccountTokenRecord | null> {
    return AccountTokenModel.findOne(usableFilter(token, purposes)).lean<AccountTokenRecord>();
  }

  /**
   * Spends a token in one conditional write, so of any number of concurrent uses exactly one wins.
   * Returns null for an unknown, spent, voided or expired token, or one minted for another purpose.
   */
  async function spendToken(token: string, purposes: readonly AccountTokenPurpose[]): Promise<AccountTokenRecord | null> {
    return AccountTokenModel.findOneAndUpdate(
      usableFilter(token, purposes),
      { $set: { usedAt: deps.now() } },
      { new: true },
    ).lean<AccountTokenRecord>();
  }

  /** Makes a spent token usable again, for a use that was refused after spending it (409). */
  async function unspendToken(record: AccountTokenRecord): Promise<void> {
    await AccountTokenModel.updateOne({ _id: record._id, usedAt: record.usedAt }, { $set: { usedAt: null } });
  }

  /**
   * Voids every unused token of these purposes of a user (a password or address change), or only
   * those issued after `issuedAfter`; returns how many it voided.
   */
  async function voidTokens(userId: string, purposes: readonly AccountTokenPurpose[], issuedAfter?: Date): Promise<number> {
    const result = await AccountTokenModel.updateMany(
      { userId, purpose: { $in: purposes }, usedAt: null, voidedAt: null, ...(issuedAfter ? { issuedAt: { $gt: issuedAfter } } : {}) },
      { $set: { voidedAt: deps.now() } },
    );
    return result.modifiedCount;
  }

  /** Voids the account's pending address changes: every credential remedy calls this. */
  function voidPendingEmailChanges(userId: string): Promise<number> {
    return voidTokens(userId, ['email_change']);
  }

  /** Creates the gate: the unique _id lets exactly one of many concurrent callers do it. */
  async function insertGate(_id: string, now: Date, expiresAt: Date): Promise<boolean> {
    try {
      await MailGateModel.create({ _id, openedAt: now, expiresAt });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /**
   * Opens the resend gate of (purpose, address) unless it was opened within MAIL_RESEND_INTERVAL;
   * exactly one of many concurrent callers gets true. The usual case is one insert, which every server
   * checks through the _id index (a conditional upsert would make the fallback database scan every
   * gate on each request). A gate that exists is reopened only once its interval is over, by one
   * conditional update; if the clean-up deleted it just before, the insert is tried once more.
   */
  async function openGate(purpose: MailGatePurpose, address: string): Promise<boolean> {
    const _id = gateId(purpose, address);
    const now = deps.now();
    const expiresAt = addMs(now, deps.resendIntervalMs);
    if (await insertGate(_id, now, expiresAt)) return true;
    const reopened = await MailGateModel.updateOne({ _id, expiresAt: { $lte: now } }, { $set: { openedAt: now, expiresAt } });
    // Not reopened: the gate is inside its interval (the insert collides again) or was just deleted.
    return reopened.modifiedCount > 0 || insertGate(_id, now, expiresAt);
  }

  /** Deletes every token of a deleted account and the resend gates of its address. */
  async function forgetAccount(account: { id: string; email: string }): Promise<void> {
    await Promise.all([
      AccountTokenModel.deleteMany({ userId: account.id }),
      MailGateModel.deleteMany({ _id: { $in: MAIL_GATE_PURPOSES.map((purpose) => gateId(purpose, account.email)) } }),
    ]);
  }

  /** Storage clean-up beside the TTL indexes (which some servers never apply). */
  async function pruneExpired(): Promise<number> {
    const now = deps.now();
    const [tokens, gates] = await Promise.all([
      AccountTokenModel.deleteMany({ expiresAt: { $lt: now } }),
      MailGateModel.deleteMany({ expiresAt: { $lt: now } }),
    ]);
    return tokens.deletedCount + gates.deletedCount;
  }

  return {
    mintToken,
    findUsableToken,
    spendToken,
    unspendToken,
    voidTokens,
    voidPendingEmailChanges,
    openGate,
    forgetAccount,
    pruneExpired,
  };
}
