import { z } from 'zod';
import { ROLES } from '../../config/roles';
import { storedEmailSchema } from '../../lib/common.schemas';
import { idResponse, timestampResponse } from '../../lib/response.schemas';
import { USER_STATUSES } from './user.model';

export const userResponse = z
  .strictObject({
    id: idResponse,
    email: storedEmailSchema,
    name: z.string().nullable(),
    role: z.enum(ROLES),
    status: z.enum(USER_STATUSES),
    emailVerified: z.boolean(),
    createdAt: timestampResponse,
    updatedAt: timestampResponse,
    lastLoginAt: timestampResponse.nullable(),
    mfaEnabled: z.boolean(),
  })
  .meta({
    id: 'User',
    examples: [
      {
        id: '6650c2f1a3b4c5d6e7f80912',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        role: 'user',
        status: 'active',
        emailVerified: true,
        createdAt: '2026-11-20T09:15:00.000Z',
        updatedAt: '2026-11-20T09:15:00.000Z',
        lastLoginAt: '2026-11-23T08:00:00.000Z',
        mfaEnabled: false,
      },
    ],
  });
export type UserView = z.infer<typeof userResponse>;
