import { model, Schema, type InferSchemaType } from 'mongoose';
import { SIGNING_ALGORITHMS } from './key-material';

export const KEY_STATES = ['next', 'current', 'retired'] as const;
export type KeyState = (typeof KEY_STATES)[number];

const ringKeySchema = new Schema(
  {
    kid: { type: String, required: true },
    alg: { type: String, enum: SIGNING_ALGORITHMS, required: true },
    state: { type: String, enum: KEY_STATES, required: true },
    /** The public JWK as the JWKS publishes it. */
    publicJwk: { type: Schema.Types.Mixed, required: true },
    /** The PKCS#8 private key, sealed with DATA_ENCRYPTION_KEY (lib/secret-box). */
    sealedPrivateKey: { type: String, required: true },
    createdAt: { type: Date, required: true },
    /** When a `next` key starts signing; for `current` and `retired` keys, when it did. */
    activatesAt: { type: Date, required: true },
    retiredAt: { type: Date, default: null },
  },
  { _id: false },
);

/**
 * The whole key ring in one document, so every transition (publish, activate, retire, remove, revoke)
 * is one compare-and-set on `version`: however many instances rotate at once, one write wins and the
 * ring always has exactly one current key.
 */
const signingKeyRingSchema = new Schema(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    keys: { type: [ringKeySchema], required: true },
  },
  { versionKey: false, timestamps: { createdAt: false, updatedAt: true } },
);

export const RING_ID = 'access-tokens';

export type RingKey = InferSchemaType<typeof ringKeySchema> & { alg: (typeof SIGNING_ALGORITHMS)[number]; state: KeyState };
export interface RingRecord {
  _id: string;
  version: number;
  keys: RingKey[];
}
export const SigningKeyRingModel = model('SigningKeyRing', signingKeyRingSchema);
