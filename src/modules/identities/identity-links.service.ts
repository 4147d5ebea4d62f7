import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../../db/errors';
import type { Clock } from '../../lib/clock';
import { identityKeyOf, IdentityLinkModel } from './identity-link.model';

/** An identity as the account's settings list it. */
export interface IdentityView {
  provider: string;
  email: string | null;
  linkedAt: Date;
}

/** Why a link could not be made: the identity belongs to another account, or this account has one of that provider. */
export type LinkOutcome = 'linked' | 'already_linked' | 'taken' | 'provider_taken';

export type IdentityLinks = ReturnType<typeof createIdentityLinks>;

/** The identity links collection's one owner. */
export function createIdentityLinks(deps: { now: Clock }) {
  /** The account a provider's subject signs in to, refreshing the address shown for it. */
  async function accountOf(provider: string, subject: string, email: string | null): Promise<string | null> {
    const link = await IdentityLinkModel.findOneAndUpdate(
      { _id: identityKeyOf(provider, subject) },
      { $set: { email } },
      { projection: { userId: 1 } },
    ).lean();
    return link?.userId.toString() ?? null;
  }

  /**
   * Links a provider's subject to an account. The unique _id and (userId, provider) index decide races:
   * an identity links at most one account, and an account at most one identity per provider.
   */
  async function link(userId: string, identity: { provider: string; subject: string; email: string | null }): Promise<LinkOutcome> {
    const _id = identityKeyOf(identity.provider, identity.subject);
    try {
      await IdentityLinkModel.create({ _id, ...identity, userId: new Types.ObjectId(userId), linkedAt: deps.now() });
      return 'linked';
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const existing = await IdentityLinkModel.findById(_id, { userId: 1 }).lean();
    if (!existing) return 'provider_taken';
    return existing.userId.toString() === userId ? 'already_linked' : 'taken';
  }

  async function list(userId: string): Promise<IdentityView[]> {
    const links = await IdentityLinkModel.find({ userId: new Types.ObjectId(userId) }, { provider: 1, email: 1, linkedAt: 1 })
      .sort({ linkedAt: 1 })
      .lean();
    return links.map((link) => ({ provider: link.provider, email: link.email ?? null, linkedAt: link.linkedAt }));
  }

  async function countOf(userId: string): Promise<number> {
    return IdentityLinkModel.countDocuments({ userId: new Types.ObjectId(userId) });
  }

  /** Removes the account's identity of this provider; false when there was none. */
  async function unlink(userId: string, provider: string): Promise<boolean> {
    const result = await IdentityLinkModel.deleteOne({ userId: new Types.ObjectId(userId), provider });
    return result.deletedCount === 1;
  }

  async function forgetUser(userId: string): Promise<void> {
    await IdentityLinkModel.deleteMany({ userId: new Types.ObjectId(userId) });
  }

  return { accountOf, link, list, countOf, unlink, forgetUser };
}
