import { mongo, Types } from 'mongoose';
import { isDuplicateKeyError } from '../../db/errors';
import { PasskeyModel, type PasskeyDeviceType } from './passkey.model';
import type { StoredPasskey } from './passkey.view';

/** What one verified assertion tells about its passkey. */
export interface PasskeyUse {
  counter: number;
  deviceType: PasskeyDeviceType;
  backedUp: boolean;
  at: Date;
}

export interface NewPasskey {
  id: string;
  userId: string;
  name: string;
  publicKey: Uint8Array;
  counter: number;
  deviceType: PasskeyDeviceType;
  backedUp: boolean;
  transports: string[];
  aaguid: string;
}

/** The stored COSE public key as bytes (lean reads hand binary fields back as BSON Binary). */
export function publicKeyOf(passkey: StoredPasskey): Uint8Array<ArrayBuffer> {
  const stored: unknown = passkey.publicKey;
  const bytes = stored instanceof mongo.Binary ? stored.buffer : (stored as Uint8Array);
  return new Uint8Array(bytes);
}

const objectIdOf = (id: string): Types.ObjectId | null => (Types.ObjectId.isValid(id) ? new Types.ObjectId(id) : null);

export type PasskeyStore = ReturnType<typeof createPasskeyStore>;

/** The passkeys collection: every read and write of it goes through here. */
export function createPasskeyStore() {
  /** Stores a new passkey; false when its credential id is registered already (to anyone). */
  async function insert(passkey: NewPasskey): Promise<StoredPasskey | null> {
    const { id, userId, publicKey, ...fields } = passkey;
    try {
      const created = await PasskeyModel.create({ _id: id, userId, publicKey: Buffer.from(publicKey), ...fields });
      return created.toObject() as StoredPasskey;
    } catch (error) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  async function findById(id: string): Promise<StoredPasskey | null> {
    return PasskeyModel.findById(id).lean<StoredPasskey>();
  }

  async function listOf(userId: string): Promise<StoredPasskey[]> {
    const owner = objectIdOf(userId);
    return owner ? PasskeyModel.find({ userId: owner }).sort({ createdAt: 1, _id: 1 }).lean<StoredPasskey[]>() : [];
  }

  async function countOf(userId: string): Promise<number> {
    const owner = objectIdOf(userId);
    return owner ? PasskeyModel.countDocuments({ userId: owner }) : 0;
  }

  async function rename(userId: string, id: string, name: string): Promise<StoredPasskey | null> {
    const owner = objectIdOf(userId);
    if (!owner) return null;
    return PasskeyModel.findOneAndUpdate({ _id: id, userId: owner }, { $set: { name } }, { new: true }).lean<StoredPasskey>();
  }

  async function removeOwn(userId: string, id: string): Promise<boolean> {
    const owner = objectIdOf(userId);
    return owner ? (await PasskeyModel.deleteOne({ _id: id, userId: owner })).deletedCount === 1 : false;
  }

  async function removeAllOf(userId: string): Promise<number> {
    const owner = objectIdOf(userId);
    return owner ? (await PasskeyModel.deleteMany({ userId: owner })).deletedCount : 0;
  }

  /**
   * Stores a use: the counter, the backup flags and the time. With `counterMustExceed`, the write is
   * conditional on the stored counter still being below the new one, so two assertions racing with one
   * counter value cannot both pass; false when that condition failed (or the passkey is gone).
   */
  async function recordUse(id: string, use: PasskeyUse, counterMustExceed: boolean): Promise<boolean> {
    const filter = counterMustExceed ? { _id: id, counter: { $lt: use.counter } } : { _id: id };
    const update = { counter: use.counter, deviceType: use.deviceType, backedUp: use.backedUp, lastUsedAt: use.at };
    return (await PasskeyModel.updateOne(filter, { $set: update })).matchedCount === 1;
  }

  return { insert, findById, listOf, countOf, rename, removeOwn, removeAllOf, recordUse };
}
