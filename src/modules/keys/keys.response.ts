import { z } from 'zod';
import { timestampResponse } from '../../lib/response.schemas';
import { SIGNING_ALGORITHMS } from './key-material';
import { KEY_STATES } from './signing-key-ring.model';

const kid = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export const signingKeyResponse = z
  .strictObject({
    kid,
    alg: z.enum(SIGNING_ALGORITHMS),
    state: z.enum(KEY_STATES),
    createdAt: timestampResponse,
    activatesAt: timestampResponse,
    retiredAt: timestampResponse.nullable(),
  })
  .meta({ id: 'SigningKey' });

/** A published key: public members only (EC: crv, x, y; RSA: n, e). */
const publicJwkResponse = z
  .strictObject({
    kty: z.enum(['EC', 'RSA']),
    kid,
    alg: z.enum(SIGNING_ALGORITHMS),
    use: z.literal('sig'),
    crv: z.string().optional(),
    x: z.string().optional(),
    y: z.string().optional(),
    n: z.string().optional(),
    e: z.string().optional(),
  })
  .meta({ id: 'PublicJwk' });

export const jwksResponse = z.strictObject({ keys: z.array(publicJwkResponse) });
export const discoveryResponse = z.strictObject({ issuer: z.string(), jwks_uri: z.url() });
