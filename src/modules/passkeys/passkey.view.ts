import type { PasskeyDeviceType, PasskeyRecord } from './passkey.model';

/** A passkey as its owner sees it: never the public key or the counter. */
export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  deviceType: PasskeyDeviceType;
  backedUp: boolean;
  transports: string[];
}

export type StoredPasskey = PasskeyRecord & { _id: string; createdAt: Date };

export function toPasskeyView(passkey: StoredPasskey): PasskeyView {
  return {
    id: passkey._id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt ? passkey.lastUsedAt.toISOString() : null,
    deviceType: passkey.deviceType,
    backedUp: passkey.backedUp,
    transports: [...passkey.transports],
  };
}
