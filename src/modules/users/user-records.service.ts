import { Types } from 'mongoose';
import { findByObjectIdHexes } from '../../db/find-by-ids';
import { isDuplicateKeyError } from '../../db/errors';
import { ConflictError } from '../../errors/app-error';
import type { Clock } from '../../lib/clock';
import { credentialVersionOf } from '../../lib/credential-version';
import { BUMP_CREDENTIAL_VERSION, UserModel, type UserRecord, type UserStatus } from './user.model';
import { USER_VIEW_PROJECTION, type UserFields } from './user.view';

/** The user as the session check reads it on every request: the view's fields and the credential version. */
export type AuthenticatedUser = UserFields & { credentialVersion?: number };

const AUTHENTICATION_PROJECTION = { ...USER_VIEW_PROJECTION, credentialVersion: 1 };

/** The user as a login reads it: everything but the MFA secrets, with the password hash. */
export type LoginUser = Omit<UserRecord, 'mfaSecret' | 'mfaLastStep' | 'mfaRecoveryCodes'>;

/** Who a mail about the account goes to, and whether the account has proven it holds that address. */
export interface AccountRecipient {
  id: string;
  email: string;
  name: string | null;
  status: UserStatus;
  emailVerified: boolean;
}

/** The second-factor fields of an account. */
export interface MfaFields {
  email: string;
  name: string | null;
  emailVerified: boolean;
  mfaEnabled: boolean;
  /** Sealed (lib/secret-box): set while enrolment is pending or MFA is on. */
  mfaSecret: string | null;
}

const emailTaken = (detail = 'An account with this email exists.'): ConflictError => new ConflictError('EMAIL_TAKEN', detail);
const objectIdOf = (id: string | Types.ObjectId): Types.ObjectId | null =>
  typeof id === 'string' ? (Types.ObjectId.isValid(id) ? new Types.ObjectId(id) : null) : id;

export type UserRecords = ReturnType<typeof createUserRecords>;

/**
 * The users collection's one owner. Every other module reads and writes accounts through these
 * functions, so rules such as "replacing a credential moves the credential version" hold in one place.
 */
export function createUserRecords(deps: { now: Clock }) {
  /**
   * Creates an account with the default role; 409 EMAIL_TAKEN when the address has one. An account made
   * through an OpenID provider has no password hash, and its address is verified when the provider says so.
   */
  async function createAccount(input: {
    email: string;
    passwordHash: string | null;
    name: string | null;
    emailVerified?: boolean;
  }): Promise<UserFields> {
    try {
      const { passwordHash: _hash, ...user } = (await UserModel.create(input)).toObject();
      return user as UserFields;
    } catch (error) {
      if (isDuplicateKeyError(error)) throw emailTaken();
      throw error;
    }
  }

  /** The account of an address with its password hash, for a login's password check. */
  async function findForLogin(email: string): Promise<LoginUser | null> {
    return UserModel.findOne({ email }).select('+passwordHash').lean<LoginUser>();
  }

  /** The account as a login that passed its password step reads it again (the MFA step). */
  async function findForSignIn(userId: string): Promise<(UserFields & { credentialVersion?: number }) | null> {
    const id = objectIdOf(userId);
    return id ? UserModel.findById(id).lean<UserFields & { credentialVersion?: number }>() : null;
  }

  /** The users the session checks of a batch of requests need (null: no such account), in one query. */
  async function loadManyForAuthentication(userIds: readonly string[]): Promise<(AuthenticatedUser | null)[]> {
    return findByObjectIdHexes<AuthenticatedUser>(UserModel.collection, userIds, AUTHENTICATION_PROJECTION);
  }

  async function recordLogin(userId: string, at: Date): Promise<void> {
    await UserModel.updateOne({ _id: userId }, { $set: { lastLoginAt: at } });
  }

  /** Which of these ids still have an account (the orphan sweep's question). */
  async function existingIds(ids: readonly Types.ObjectId[]): Promise<Set<string>> {
    const users = await UserModel.collection.find({ _id: { $in: [...ids] } }, { projection: { _id: 1 } }).toArray();
    return new Set(users.map((user) => user._id.toHexString()));
  }

  async function isEmailTaken(email: string): Promise<boolean> {
    return (await UserModel.exists({ email })) !== null;
  }

  async function findRecipient(email: string): Promise<AccountRecipient | null> {
    const user = await UserModel.findOne({ email }, { email: 1, name: 1, status: 1, emailVerified: 1 }).lean();
    if (!user) return null;
    const { _id, name, status, emailVerified } = user;
    return {
      id: _id.toString(),
      email: user.email,
      name: name ?? null,
      status: status as UserStatus,
      emailVerified: emailVerified === true,
    };
  }

  /** The password hash and whether MFA is on, for re-authentication. */
  async function findCredentials(userId: string): Promise<{ passwordHash: string | null; mfaEnabled: boolean } | null> {
    const id = objectIdOf(userId);
    const user = id ? await UserModel.findById(id, { passwordHash: 1, mfaEnabled: 1 }).select('+passwordHash').lean() : null;
    return user ? { passwordHash: user.passwordHash ?? null, mfaEnabled: user.mfaEnabled === true } : null;
  }

  /** Whether the account can sign in with a password (false for one made through an OpenID provider). */
  async function hasPassword(userId: string): Promise<boolean> {
    const id = objectIdOf(userId);
    return id ? (await UserModel.exists({ _id: id, passwordHash: { $type: 'string' } })) !== null : false;
  }

  /**
   * Replaces the password and, in the same write, moves the credential version, so every session made
   * before it stops authenticating whatever the order of racing requests. `whileEmailIs` makes the write
   * conditional on the account still having that address (a reset link proves control of it, and then
   * `proveEmail` marks it verified). Returns the new credential version, or null when nothing matched.
   */
  async function setPassword(
    userId: string,
    passwordHash: string,
    options: { whileEmailIs?: string; proveEmail?: boolean } = {},
  ): Promise<number | null> {
    const filter = { _id: userId, ...(options.whileEmailIs ? { email: options.whileEmailIs } : {}) };
    const changed = await UserModel.findOneAndUpdate(
      filter,
      {
        $set: { passwordHash, passwordChangedAt: deps.now(), ...(options.proveEmail ? { emailVerified: true } : {}) },
        ...BUMP_CREDENTIAL_VERSION,
      },
      { new: true, projection: { credentialVersion: 1 } },
    ).lean();
    return changed ? credentialVersionOf(changed) : null;
  }

  /**
   * Moves the account to a proven address; with `endSessions` (a revert after a takeover) the same
   * write moves the credential version. Returns the previous address, null when there is no such
   * account, and 409 EMAIL_TAKEN when another account holds the address.
   */
  async function setEmail(userId: string | Types.ObjectId, email: string, options: { endSessions: boolean }): Promise<string | null> {
    try {
      const before = await UserModel.findOneAndUpdate(
        { _id: userId },
        { $set: { email, emailVerified: true }, ...(options.endSessions ? BUMP_CREDENTIAL_VERSION : {}) },
        { new: false, projection: { email: 1 } },
      ).lean();
      return before?.email ?? null;
    } catch (error) {
      if (isDuplicateKeyError(error)) throw emailTaken('Another account has taken this address in the meantime.');
      throw error;
    }
  }

  /** Marks the address verified, only while the account still has it; the updated user, or null. */
  async function confirmEmail(userId: string | Types.ObjectId, email: string): Promise<UserFields | null> {
    return UserModel.findOneAndUpdate(
      { _id: userId, email },
      { $set: { emailVerified: true } },
      { new: true, projection: USER_VIEW_PROJECTION },
    ).lean<UserFields>();
  }

  async function findView(userId: string | Types.ObjectId): Promise<UserFields | null> {
    const id = objectIdOf(userId);
    return id ? UserModel.findById(id, USER_VIEW_PROJECTION).lean<UserFields>() : null;
  }

  return {
    createAccount,
    findForLogin,
    findForSignIn,
    loadManyForAuthentication,
    recordLogin,
    existingIds,
    isEmailTaken,
    findRecipient,
    findCredentials,
    hasPassword,
    setPassword,
    setEmail,
    confirmEmail,
    findView,
    mfa: createMfaFields(),
  };
}

/** The second-factor fields: each write is conditional, so racing enrolments, codes and disables have one winner. */
function createMfaFields() {
  async function find(userId: string): Promise<MfaFields | null> {
    const id = objectIdOf(userId);
    const user = id
      ? await UserModel.findById(id, { email: 1, name: 1, emailVerified: 1, mfaEnabled: 1, mfaSecret: 1 }).select('+mfaSecret').lean()
      : null;
    if (!user) return null;
    return {
      email: user.email,
      name: user.name ?? null,
      emailVerified: user.emailVerified === true,
      mfaEnabled: user.mfaEnabled === true,
      mfaSecret: user.mfaSecret ?? null,
    };
  }

  /** Stores a new pending secret while MFA is off; false when it is on. */
  async function startEnrolment(userId: string, sealedSecret: string): Promise<boolean> {
    const result = await UserModel.updateOne(
      { _id: userId, mfaEnabled: { $ne: true } },
      { $set: { mfaSecret: sealedSecret, mfaLastStep: null } },
    );
    return result.matchedCount === 1;
  }

  /** Turns MFA on with the pending secret it was confirmed with; false when it changed meanwhile or MFA is on. */
  async function enable(userId: string, confirmed: { sealedSecret: string; step: number | null; recoveryCodeHashes: string[] }) {
    const result = await UserModel.updateOne(
      { _id: userId, mfaEnabled: { $ne: true }, mfaSecret: confirmed.sealedSecret },
      { $set: { mfaEnabled: true, mfaLastStep: confirmed.step, mfaRecoveryCodes: confirmed.recoveryCodeHashes } },
    );
    return result.matchedCount === 1;
  }

  async function replaceRecoveryCodes(userId: string, hashes: string[]): Promise<boolean> {
    const result = await UserModel.updateOne({ _id: userId, mfaEnabled: true }, { $set: { mfaRecoveryCodes: hashes } });
    return result.matchedCount === 1;
  }

  /** Turns MFA off and forgets its secret and codes; false when it was off. */
  async function disable(userId: string): Promise<boolean> {
    const result = await UserModel.updateOne(
      { _id: userId, mfaEnabled: true },
      { $set: { mfaEnabled: false, mfaSecret: null, mfaLastStep: null }, $unset: { mfaRecoveryCodes: 1 } },
    );
    return result.modifiedCount === 1;
  }

  /** Accepts a TOTP time step only when it is later than the last one accepted under this secret. */
  async function acceptTotpStep(userId: Types.ObjectId, sealedSecret: string, step: number): Promise<boolean> {
    const result = await UserModel.updateOne(
      { _id: userId, mfaEnabled: true, mfaSecret: sealedSecret, $or: [{ mfaLastStep: null }, { mfaLastStep: { $lt: step } }] },
      { $set: { mfaLastStep: step } },
    );
    return result.modifiedCount === 1;
  }

  /** Spends a recovery code while its hash is still stored. */
  async function spendRecoveryCode(userId: Types.ObjectId, hash: string): Promise<boolean> {
    const result = await UserModel.updateOne(
      { _id: userId, mfaEnabled: true, mfaRecoveryCodes: hash },
      { $pull: { mfaRecoveryCodes: hash } },
    );
    return result.modifiedCount === 1;
  }

  /**
   * Re-seals every stored secret `reseal` gives a new value for (null: leave it). Each write is
   * conditional on the old value, so a concurrent enrolment or disable is never overwritten.
   */
  async function resealSecrets(reseal: (sealed: string) => string | null): Promise<number> {
    let resealed = 0;
    const cursor = UserModel.find({ mfaSecret: { $ne: null } }, { mfaSecret: 1 })
      .select('+mfaSecret')
      .lean()
      .cursor();
    for await (const user of cursor) {
      const next = user.mfaSecret ? reseal(user.mfaSecret) : null;
      if (!next) continue;
      const result = await UserModel.updateOne({ _id: user._id, mfaSecret: user.mfaSecret }, { $set: { mfaSecret: next } });
      resealed += result.modifiedCount;
    }
    return resealed;
  }

  return { find, startEnrolment, enable, replaceRecoveryCodes, disable, acceptTotpStep, spendRecoveryCode, resealSecrets };
}
