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

/** What a provider said of an identity's address on its last use. */
export interface IdentityClaims {
  email: string | null;
  emailVerified: boolean;
}

export type IdentityLinks = ReturnType<typeof createIdentityLinks>;

/** The identity links collection's one owner. */
export function createIdentityLinks(deps: { now: Clock }) {
  /** The account a provider's subject signs in to, refreshing the address (and whether it vouched for it) kept for it. */
  async function accountOf(provider: string, subject: string, claims: IdentityClaims): Promise<string | null> {
    const link = await IdentityLinkModel.findOneAndUpdate(
      { _id: identityKeyOf(provider, subject) },
      { $set: { email: claims.email, emailVerified: claims.emailVerified } },
      { projection: { userId: 1 } },
    ).lean();
    return link?.userId.toString() ?? null;
  }

  /**
   * Links a provider's subject to an account. The unique _id and (userId, provider) index decide races:
   * an identity links at most one account, and an account at most one identity per provider.
   */
  async function link(userId: string, identity: IdentityClaims & { provider: string; subject: string }): Promise<LinkOutcome> {
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

  /** True while the identity is still linked to this account. */
  async function isLinked(identityKey: string, userId: string): Promise<boolean> {
    return (await IdentityLinkModel.exists({ _id: identityKey, userId: new Types.ObjectId(userId) })) !== null;
  }

  /**
   * Removes the account's links that do not vouch for `address`: kept only when the provider is trusted
   * with addresses, said this very address is verified on the link's last use. The providers removed.
   */
  async function dropNotVouchingFor(userId: string, address: string, isTrusted: (provider: string) => boolean): Promise<string[]> {
    const owner = new Types.ObjectId(userId);
    const links = await IdentityLinkModel.find({ userId: owner }, { provider: 1, email: 1, emailVerified: 1 }).lean();
    const doomed = links.filter((link) => !(isTrusted(link.provider) && link.emailVerified === true && link.email === address));
    if (doomed.length === 0) return [];
    await IdentityLinkModel.deleteMany({ _id: { $in: doomed.map((link) => link._id) }, userId: owner });
    return doomed.map((link) => link.provider);
  }

  return { accountOf, link, list, countOf, unlink, forgetUser, isLinked, dropNotVouchingFor };
}
