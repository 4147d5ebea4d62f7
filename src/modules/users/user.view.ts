import type { Types } from 'mongoose';
import type { Role } from '../../config/roles';
import type { UserStatus } from './user.model';
import type { UserView } from './user.response';

export type { UserView };

/** The public fields of a user, from a lean or hydrated document alike. */
export interface UserFields {
  _id: Types.ObjectId;
  email: string;
  name?: string | null;
  role: string;
  status: string;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt?: Date | null;
  mfaEnabled?: boolean | null;
  /** Absent on accounts stored before verification existed: they count as unverified. */
  emailVerified?: boolean;
}

/** Projection that loads exactly what toUserView needs (never the password hash). */
export const USER_VIEW_PROJECTION = {
  email: 1,
  name: 1,
  role: 1,
  status: 1,
  createdAt: 1,
  updatedAt: 1,
  lastLoginAt: 1,
  mfaEnabled: 1,
  emailVerified: 1,
} as const;

export function toUserView(user: UserFields): UserView {
  return {
    id: user._id.toString(),
    email: user.email,
    name: user.name ?? null,
    role: user.role as Role,
    status: user.status as UserStatus,
    emailVerified: user.emailVerified === true,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
    lastLoginAt: user.lastLoginAt ? user.lastLoginAt.toISOString() : null,
    mfaEnabled: user.mfaEnabled === true,
  };
}
