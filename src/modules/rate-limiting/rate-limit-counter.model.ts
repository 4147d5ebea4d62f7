import { model, Schema } from 'mongoose';

/**
 * Hits of one client in one fixed rate-limit window, shared by every instance. The _id names the
 * limiter, the client and the window, so counting is one atomic `$inc` upsert on a unique key.
 */
const rateLimitCounterSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** The limiter's key for the client (prefix and IP), so resetKey can find every window of it. */
    key: { type: String, required: true },
    hits: { type: Number, required: true },
    resetAt: { type: Date, required: true },
  },
  { versionKey: false },
);

// Clean-up only: the store judges windows by resetAt itself and sweeps what TTL would (the fallback has no TTL).
rateLimitCounterSchema.index({ resetAt: 1 }, { expireAfterSeconds: 0 });

export interface RateLimitCounterRecord {
  _id: string;
  key: string;
  hits: number;
  resetAt: Date;
}

export const RateLimitCounterModel = model('RateLimitCounter', rateLimitCounterSchema);
