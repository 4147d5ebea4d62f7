import { model, Schema } from 'mongoose';

/** Short leases that serialise rare multi-document decisions (such as "is this the last admin?"). */
const lockSchema = new Schema(
  {
    _id: { type: String, required: true },
    holder: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const LockModel = model('Lock', lockSchema);
