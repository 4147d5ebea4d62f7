import { z } from 'zod';
import { emptyBodySchema } from '../../lib/common.schemas';

const MAX_RETURN_TO_LENGTH = 512;
/** Control characters and the backslash, refused anywhere in a returnTo path. */
const NOT_IN_PATHS = '\\\\\\x00-\\x1f\\x7f';
/** A slash, not followed by a second slash, then no control character or backslash (no lookaround: see common.schemas). */
const RELATIVE_PATH = new RegExp(`^/(?:[^/${NOT_IN_PATHS}][^${NOT_IN_PATHS}]*)?$`);

/** A provider id as routes name it; an id that is not configured answers 404. */
const providerParams = z.strictObject({ provider: z.string().min(1).max(64) });

/**
 * A path on the frontend to go to after signing in. Only a same-site path: `//host` and `/\host` would
 * leave for another host (browsers read a backslash as a slash), and schemes, control characters and
 * backslashes anywhere are refused.
 */
export const returnToSchema = z
  .string()
  .max(MAX_RETURN_TO_LENGTH)
  .regex(RELATIVE_PATH, { error: 'must be a path on this site, like /settings' });

/** A query member the provider sent, read only when it is one string (a repeated one counts as absent). */
const providerParameter = z.string().max(2048).optional().catch(undefined);

/** Request schemas of the OpenID sign-in routes. */
export function createIdentitiesSchemas() {
  return {
    listProviders: {},
    start: { params: providerParams, query: z.strictObject({ returnTo: returnToSchema.default('/') }) },
    // The provider adds members of its own (scope, session_state, iss...): they are passed on, not refused.
    callback: {
      params: providerParams,
      query: z.looseObject({ state: providerParameter, code: providerParameter, error: providerParameter }),
    },
    listMine: {},
    startLink: {
      params: providerParams,
      // An account without a password sends none: a recent sign-in stands in for it.
      body: z
        .strictObject({ password: z.string().max(1024).default('') })
        .meta({ examples: [{ password: 'correct horse battery staple' }] }),
    },
    unlink: { params: providerParams, body: emptyBodySchema },
  };
}

export type IdentitiesSchemas = ReturnType<typeof createIdentitiesSchemas>;

export const exchangeBodySchema = z.strictObject({ code: z.string().min(1).max(200) });
