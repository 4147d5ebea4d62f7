import { model, Schema, type InferSchemaType, type Types } from 'mongoose';

export const AUDIT_EVENT_TYPES = [
  'auth.register',
  'auth.login',
  'auth.login_failed',
  'auth.login_locked',
  'auth.login_new_location',
  'auth.logout',
  'auth.logout_all',
  'auth.refresh_reuse',
  'auth.refresh_grace_used',
  'session.revoked',
  'user.updated',
  'user.password_changed',
  'user.role_changed',
  'user.status_changed',
  'user.deleted',
  'auth.reauth_failed',
  'auth.mfa_failed',
  'auth.recovery_code_used',
  'user.mfa_enabled',
  'user.mfa_disabled',
  'user.mfa_reset',
  'user.recovery_codes_regenerated',
  'user.unlocked',
  'user.password_reset_requested',
  'user.password_reset',
  'user.email_verified',
  'user.email_changed',
  'user.email_reverted',
  'user.identity_linked',
  'user.identity_unlinked',
  'mail.failed',
  'admin.seeded',
  'key.created',
  'key.activated',
  'key.retired',
  'key.revoked',
  'key.removed',
  'user.passkey_added',
  'user.passkey_removed',
  'auth.passkey_failed',
  'auth.passkey_counter_regression',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

const auditEventSchema = new Schema(
  {
    type: { type: String, enum: AUDIT_EVENT_TYPES, required: true },
    actorId: { type: Schema.Types.ObjectId, default: null },
    targetId: { type: Schema.Types.ObjectId, default: null },
    sessionId: { type: Schema.Types.ObjectId, default: null },
    ip: { type: String, default: null },
    location: { type: Schema.Types.Mixed, default: null },
    details: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, minimize: false },
);

auditEventSchema.index({ createdAt: -1, _id: -1 });
// Filtered lists run newest first by _id (creation order), so each filter's index ends in _id.
auditEventSchema.index({ type: 1, _id: -1 });
auditEventSchema.index({ actorId: 1, _id: -1 });
auditEventSchema.index({ targetId: 1, _id: -1 });

export type AuditEventRecord = InferSchemaType<typeof auditEventSchema> & { _id: Types.ObjectId; createdAt: Date };
export const AuditEventModel = model('AuditEvent', auditEventSchema);
