import { model, Schema, type InferSchemaType } from 'mongoose';

/** A one-time code the callback hands the browser, exchanged for the login body (never a token in a URL). */
const exchangeCodeSchema = new Schema(
  {
    /** SHA-256 of the code; the exchange looks it up by _id. */
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    /** The identity link (`<provider>:<subject>`) that signed in: the exchange needs it still linked. */
    identityKey: { type: String, required: true },
    /** SHA-256 of the browser-binding cookie of the browser that started the sign-in. */
    bindingHash: { type: String, required: true },
    returnTo: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
  },
  { versionKey: false },
);

exchangeCodeSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
exchangeCodeSchema.index({ userId: 1 });

export type ExchangeCodeRecord = InferSchemaType<typeof exchangeCodeSchema>;
export const ExchangeCodeModel = model('OidcExchangeCode', exchangeCodeSchema);
