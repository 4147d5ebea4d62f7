import { model, Schema, type InferSchemaType } from 'mongoose';

/**
 * A refresh token is stored only as the SHA-256 of its value, used as the _id so that
 * the hot lookup on every refresh is the cheapest one on any server.
 */
const refreshTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    sessionId: { type: Schema.Types.ObjectId, ref: 'Session', required: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    generation: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    replacedBy: { type: String, default: null },
    // The token this one replaced; absent on a session's first token.
    parentId: { type: String },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

// Spending a token is storing its successor: this index lets only one successor per token ever exist,
// on every server, whichever instance tries first.
refreshTokenSchema.index({ parentId: 1 }, { unique: true, sparse: true });
refreshTokenSchema.index({ sessionId: 1 });
refreshTokenSchema.index({ userId: 1 });
refreshTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type RefreshTokenRecord = InferSchemaType<typeof refreshTokenSchema>;
export const RefreshTokenModel = model('RefreshToken', refreshTokenSchema);
