import { model, Schema, type InferSchemaType, type Types } from 'mongoose';

/** How long an ended session is kept (for the audit trail's sake) before the sweep removes it. */
export const ENDED_SESSION_RETENTION_SECONDS = 24 * 60 * 60;

/** RFC 8176 authentication method references a session can carry. */
export const AUTH_METHODS = ['pwd', 'otp', 'pop', 'mfa', 'fed'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

const locationSchema = new Schema({ city: String, region: String, country: String, countryCode: String }, { _id: false });

const sessionSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    ip: { type: String, default: null },
    userAgent: { type: String, default: null },
    device: {
      type: { type: String, default: 'unknown' },
      browser: { type: String, default: null },
      os: { type: String, default: null },
    },
    location: { type: locationSchema, default: null },
    lastSeenAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    absoluteExpiresAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
    revokedReason: { type: String, default: null },
    /** How the session was authenticated (RFC 8176): ['pwd'], or ['pwd', 'otp'] after a second factor. */
    amr: { type: [{ type: String, enum: AUTH_METHODS }], default: () => ['pwd'] },
    /** Re-authentication attempts in flight plus wrong answers, reserved atomically before each check. */
    reauthAttempts: { type: Number, default: 0 },
    reauthWindowStartedAt: { type: Date, default: null },
    /** The user's credential version when the password this session was opened with was checked. */
    credentialVersion: { type: Number, default: 0, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

sessionSchema.index({ userId: 1, revokedAt: 1, expiresAt: 1 });
// Storage clean-up only: the service itself refuses expired sessions whatever this index has done.
sessionSchema.index({ expiresAt: 1 }, { expireAfterSeconds: ENDED_SESSION_RETENTION_SECONDS });

export type SessionRecord = InferSchemaType<typeof sessionSchema> & { _id: Types.ObjectId; createdAt: Date };
export const SessionModel = model('Session', sessionSchema);
