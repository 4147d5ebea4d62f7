import { model, Schema, type InferSchemaType, type Types } from 'mongoose';
import { ROLES } from '../../config/roles';

export const USER_STATUSES = ['active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

const userSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true },
    /** Null for an account made by signing in with an OpenID provider; "forgot password" gives it one. */
    passwordHash: { type: String, default: null, select: false },
    name: { type: String, default: null },
    role: { type: String, enum: ROLES, default: 'user', required: true },
    status: { type: String, enum: USER_STATUSES, default: 'active', required: true },
    lastLoginAt: { type: Date, default: null },
    emailVerified: { type: Boolean, default: false, required: true },
    passwordChangedAt: { type: Date, default: null },
    mfaEnabled: { type: Boolean, default: false },
    /** The TOTP secret, sealed with AES-256-GCM (lib/secret-box); set while enrolment is pending or MFA is on. */
    mfaSecret: { type: String, default: null, select: false },
    /** The last TOTP time step accepted: only a later one is accepted next, so a code works once. */
    mfaLastStep: { type: Number, default: null, select: false },
    /** SHA-256 hashes of the unused recovery codes. */
    mfaRecoveryCodes: { type: [String], default: undefined, select: false },
    /** Raised by every credential change; a session made under an older value no longer authenticates. */
    credentialVersion: { type: Number, default: 0, required: true },
    /** Preferences of the account (habits read them: the calendar day, the week, the summary mail). */
    settings: {
      timeZone: { type: String, default: 'UTC' },
      weekStart: { type: Number, default: 1 },
      locale: { type: String, default: 'en' },
      notificationsEmailEnabled: { type: Boolean, default: false },
    },
  },
  {
    timestamps: true,
    toJSON: {
      // A safety net: responses go through explicit views, but a stray res.json(user) must not leak the hash.
      transform: (_doc, ret: Record<string, unknown>) => {
        ret.id = String(ret._id);
        delete ret._id;
        delete ret.__v;
        delete ret.passwordHash;
        delete ret.mfaSecret;
        delete ret.mfaRecoveryCodes;
        delete ret.mfaLastStep;
        return ret;
      },
    },
  },
);

userSchema.index({ email: 1 }, { unique: true });
// Lists sort newest first by _id (creation order; the _id index serves the unfiltered list) or by a
// field with _id as tie-breaker; the filtered list's index ends in _id so no sort happens in memory.
userSchema.index({ role: 1, status: 1, _id: -1 });
userSchema.index({ name: 1 });
// The weekly summary walks the accounts that asked for mail, in _id order.
userSchema.index({ 'settings.notificationsEmailEnabled': 1, _id: 1 });

/**
 * Spread into the single write that replaces a credential (password change, reset) or must end every
 * session (disable): it invalidates all sessions made before it in that same write, so neither a login
 * racing the change nor a crash before the sessions are revoked leaves one usable.
 */
export const BUMP_CREDENTIAL_VERSION = { $inc: { credentialVersion: 1 } } as const;

export type UserRecord = InferSchemaType<typeof userSchema> & { _id: Types.ObjectId };
export const UserModel = model('User', userSchema);
