import type { ZodType } from 'zod';
import packageJson from '../../../package.json';
import type { Config } from '../../config/env';
import { buildProblem, PROBLEM_CONTENT_TYPE } from '../../errors/problem';
import type { RequestSchemas } from '../../middleware/validate';
import { problemResponse } from './response.schemas';
import { createSchemaConverter } from './json-schema';
import type { Operation, Security } from './operation';
import { listOperations } from './operations';

type Json = Record<string, unknown>;
type Convert = ReturnType<typeof createSchemaConverter>['convert'];

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input: VALIDATION_FAILED (with `errors`), MALFORMED_JSON, or MALFORMED_BODY (undecodable Content-Encoding, aborted upload)',
  401: 'Not authenticated',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE: send application/json, identity or gzip/deflate/br encoded',
  429: 'RATE_LIMITED; see Retry-After and the RateLimit headers',
  500: 'INTERNAL',
  503: 'Unavailable',
};

const EXAMPLE_REQUEST_ID = '3f1c2a9e-5d7b-4c1e-9a0f-2b8d6e4c1a7f';

const BEARER_PROBLEMS = ['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'TOKEN_INVALID', 'SESSION_REVOKED'];

/** Express `:param` paths to OpenAPI `{param}` paths. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function securityOf(security: Security): Json[] | undefined {
  if (security === 'none') return [];
  if (security === 'bearer') return [{ bearerAuth: [] }];
  if (security === 'cookie') return [{ refreshCookie: [] }];
  return [{ refreshCookie: [] }, { bearerAuth: [] }, {}];
}

function parametersOf(request: RequestSchemas | undefined, convert: Convert): Json[] {
  const parameters: Json[] = [];
  for (const location of ['params', 'query'] as const) {
    const schema = request?.[location];
    if (!schema) continue;
    const json = convert(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const required = location === 'params' || (json.required ?? []).includes(name);
      parameters.push({ name, in: location === 'params' ? 'path' : 'query', required, schema: property });
    }
  }
  return parameters;
}

function problemsOf(operation: Operation): Map<number, string[]> {
  const problems = new Map<number, string[]>();
  const add = (status: number, codes: string[]) => problems.set(status, [...(problems.get(status) ?? []), ...codes]);
  if (operation.request) add(400, ['VALIDATION_FAILED']);
  if (operation.request?.body) {
    add(400, ['MALFORMED_JSON', 'MALFORMED_BODY']);
    add(413, ['PAYLOAD_TOO_LARGE']);
    add(415, ['UNSUPPORTED_MEDIA_TYPE']);
  }
  if (operation.security === 'bearer') {
    add(401, BEARER_PROBLEMS);
    add(403, ['ACCOUNT_DISABLED']);
  }
  for (const [status, codes] of Object.entries(operation.problems ?? {})) add(Number(status), codes ?? []);
  // A right beyond the plain user's needs a second factor in the session for MFA_REQUIRED_ROLES.
  if (operation.problems?.[403]?.includes('FORBIDDEN')) add(403, ['MFA_ENROLLMENT_REQUIRED']);
  add(429, ['RATE_LIMITED']);
  if (operation.path.startsWith('/api/')) add(503, ['SERVICE_UNAVAILABLE (the database cannot be reached; retry after Retry-After)']);
  add(500, ['INTERNAL']);
  if (operation.tag !== 'Operational') add(503, ['SERVICE_UNAVAILABLE (the database is unreachable; see Retry-After)']);
  return problems;
}

function responsesOf(operation: Operation, convert: Convert): Json {
  const { success } = operation;
  const successResponse: Json = { description: success.description };
  if (success.schema)
    successResponse.content = { [success.mediaType ?? 'application/json']: { schema: convert(success.schema, 'output') } };
  if (success.setsCookie) {
    successResponse.headers = {
      'Set-Cookie': {
        description: success.setsDeviceCookie
          ? 'refreshToken=<opaque>; HttpOnly; SameSite=Strict; Path=/api/v1/auth (Secure in production), and deviceToken=<signed>; HttpOnly; SameSite=Strict; Path=/api/v1/auth; Max-Age=DEVICE_COOKIE_TTL (kept across logout)'
          : 'refreshToken=<opaque>; HttpOnly; SameSite=Strict; Path=/api/v1/auth (Secure in production)',
        schema: { type: 'string' },
      },
    };
  }
  if (success.status === 302) {
    successResponse.headers = { Location: { description: 'Where the browser goes next', schema: { type: 'string', format: 'uri' } } };
  }
  const result: Json = { [success.status]: successResponse };
  for (const [status, codes] of [...problemsOf(operation)].sort(([a], [b]) => a - b)) {
    const unique = [...new Set(codes)];
    result[status] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}. Codes: ${unique.join(', ')}`,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' }, examples: problemExamples(status, unique) } },
    };
  }
  return result;
}

/**
 * One example per code a status can carry, so the reference shows each route's real problems rather
 * than the Problem schema's generic example. A code may come with a note: `CODE (when ...)`.
 */
function problemExamples(status: number, codes: string[]): Json {
  const examples: Json = {};
  for (const entry of codes) {
    const match = /^([A-Z][A-Z0-9_]*)\s*(?:\((.*)\))?$/.exec(entry);
    if (!match) continue;
    const [, code, note] = match as unknown as [string, string, string | undefined];
    const detail = note ? `${note.charAt(0).toUpperCase()}${note.slice(1)}.` : (STATUS_TEXT[status] ?? 'Error');
    examples[code] = { summary: code, value: buildProblem({ status, code, detail, requestId: EXAMPLE_REQUEST_ID }) };
  }
  return examples;
}

/**
 * A route that takes no fields still declares its (empty) JSON body: the cookie routes need the JSON
 * content type as their CSRF check, and "Try it out" sends one only for a declared body.
 */
function requestBodyOf(operation: Operation, body: ZodType, convert: Convert): Json {
  const optional = body.safeParse(undefined).success;
  const usesCookie = operation.security === 'cookie' || operation.security === 'cookieOrBearer';
  const media: Json = { schema: convert(body, 'input') };
  if (optional) media.example = {};
  return {
    required: !optional || usesCookie,
    ...(optional && usesCookie
      ? { description: 'Send `{}` with `Content-Type: application/json`: the cross-site request check needs it.' }
      : {}),
    content: { 'application/json': media },
  };
}

function operationObject(operation: Operation, convert: Convert): Json {
  const body: ZodType | undefined = operation.request?.body;
  return {
    tags: [operation.tag],
    summary: operation.summary,
    operationId: operation.operationId,
    security: securityOf(operation.security),
    parameters: parametersOf(operation.request, convert),
    ...(body ? { requestBody: requestBodyOf(operation, body, convert) } : {}),
    responses: responsesOf(operation, convert),
  };
}

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(config: Config): Json {
  const { convert, components } = createSchemaConverter();
  convert(problemResponse, 'output');
  const paths: Record<string, Json> = {};
  for (const operation of listOperations(config)) {
    const path = toOpenApiPath(operation.path);
    paths[path] = { ...(paths[path] ?? {}), [operation.method]: operationObject(operation, convert) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Keyhold API',
      version: packageJson.version,
      description:
        'Authentication and user management. Access tokens are short-lived JWTs sent as `Authorization: Bearer`; ' +
        'the refresh token lives only in an HttpOnly cookie and rotates on every use. Refresh and logout require ' +
        '`Content-Type: application/json` (or `X-Requested-With`) and an allowed Origin. Errors are RFC 9457 problem details. ' +
        'A method a path does not serve answers 405 METHOD_NOT_ALLOWED with an `Allow` header, before authentication.',
    },
    servers: [{ url: '/' }],
    tags: ['Operational', 'Auth', 'Me', 'Users', 'Audit', 'Keys', 'Habits'].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        refreshCookie: { type: 'apiKey', in: 'cookie', name: config.cookie.name },
      },
    },
  };
}
