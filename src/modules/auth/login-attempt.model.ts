import { model, Schema, type InferSchemaType } from 'mongoose';

/**
 * Failed logins counted under one key: an account for clients without its device cookie (keyed by
 * normalised email, known or not) or one device cookie. `failures` includes the slots of logins whose
 * password is still being checked, so a reservation is one conditional update of this document. A
 * counter is cleared in place, never deleted while its window or lock lasts, so a reservation never
 * sees it vanish between two of its steps; the TTL index removes it once both are over.
 */
const loginAttemptSchema = new Schema(
  {
    _id: { type: String, required: true },
    failures: { type: Number, required: true, default: 0 },
    windowStartedAt: { type: Date, required: true },
    /**
     * Names the current window; a new window (or a clear) gets a new one, so a slot handed back after
     * it never frees a slot of the next window. Absent on counters written before it existed.
     */
    windowId: { type: String, default: null },
    lockedUntil: { type: Date, default: null },
    /** When the full lock (not a slowdown) began; null while none holds, so only one request starts it. */
    lockedAt: { type: Date, default: null },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

loginAttemptSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type LoginAttemptRecord = InferSchemaType<typeof loginAttemptSchema>;
export const LoginAttemptModel = model('LoginAttempt', loginAttemptSchema);
