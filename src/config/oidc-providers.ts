import { z } from 'zod';

/** One OpenID Connect provider users may sign in with, from `OIDC_<ID>_*`. */
export interface OidcProviderSettings {
  /** Lower case, as in the routes (`/auth/oauth/<id>/start`). */
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** Whether this provider's "e-mail verified" is trusted to link an existing account with the same address. */
  trustEmail: boolean;
  /**
   * Plain http is allowed only for a loopback issuer outside production (a local test or development
   * provider); every other http issuer is refused at start-up.
   */
  allowInsecureRequests: boolean;
}

const PROVIDER_ID = /^[a-z][a-z0-9]{0,31}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const providerSchema = z.object({
  ISSUER: z.url({ protocol: /^https?$/, error: "expected the provider's issuer URL" }),
  CLIENT_ID: z.string({ error: 'required' }).trim().min(1),
  CLIENT_SECRET: z.string({ error: 'required' }).min(1),
  NAME: z.string().trim().min(1).max(64).optional(),
  SCOPES: z
    .string()
    .trim()
    .regex(/(^| )openid( |$)/, 'must include openid')
    .default('openid email profile'),
  TRUST_EMAIL: z.enum(['true', 'false']).default('false'),
});

/** The names in OIDC_PROVIDERS (comma-separated, lower-cased). */
export function providerIdsOf(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((id) => id.trim().toLowerCase())
    .filter((id) => id.length > 0);
}

/**
 * Reads `OIDC_<ID>_*` for each provider named in OIDC_PROVIDERS. The variable names depend on the list,
 * so they are read here rather than in the fixed environment schema; every problem is named at once.
 */
export function parseOidcProviders(
  ids: readonly string[],
  source: Record<string, string>,
  isProduction: boolean,
): { providers: OidcProviderSettings[]; problems: string[] } {
  const problems: string[] = [];
  const providers: OidcProviderSettings[] = [];
  for (const id of new Set(ids)) {
    if (!PROVIDER_ID.test(id)) {
      problems.push(`OIDC_PROVIDERS: "${id}" is not a provider id (a letter, then letters or digits, at most 32)`);
      continue;
    }
    const prefix = `OIDC_${id.toUpperCase()}_`;
    const raw = Object.fromEntries(Object.keys(providerSchema.shape).map((key) => [key, source[prefix + key]]));
    const parsed = providerSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => `${prefix}${issue.path.join('.')}: ${issue.message}`));
      continue;
    }
    const issuer = new URL(parsed.data.ISSUER);
    const insecure = issuer.protocol === 'http:';
    if (insecure && (isProduction || !LOOPBACK_HOSTS.has(issuer.hostname))) {
      problems.push(`${prefix}ISSUER: must be https (plain http only for a loopback issuer outside production)`);
      continue;
    }
    providers.push({
      id,
      name: parsed.data.NAME ?? id,
      issuer: parsed.data.ISSUER,
      clientId: parsed.data.CLIENT_ID,
      clientSecret: parsed.data.CLIENT_SECRET,
      scopes: parsed.data.SCOPES,
      trustEmail: parsed.data.TRUST_EMAIL === 'true',
      allowInsecureRequests: insecure,
    });
  }
  return { providers, problems };
}
