import { z } from 'zod';
import { idResponse, locationResponse, timestampResponse } from '../../lib/response.schemas';
import { AUTH_METHODS } from './session.model';

export const sessionResponse = z
  .strictObject({
    id: idResponse,
    current: z.boolean(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    device: z.strictObject({ type: z.string(), browser: z.string().nullable(), os: z.string().nullable() }),
    location: locationResponse.nullable(),
    createdAt: timestampResponse,
    lastSeenAt: timestampResponse,
    expiresAt: timestampResponse,
    absoluteExpiresAt: timestampResponse,
    amr: z.array(z.enum(AUTH_METHODS)).meta({ description: 'How the session was authenticated (RFC 8176).' }),
  })
  .meta({ id: 'Session' });
export type SessionView = z.infer<typeof sessionResponse>;
