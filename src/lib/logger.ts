import winston from 'winston';
import { requestContext } from './request-context';

const REDACTED = '[REDACTED]';
/** Keys whose text values are secrets; their numbers and flags (a count of swept `tokens`) are not. */
const SECRET_KEY_PATTERN = /pass(word)?|secret|token|hash|authorization|cookie|license.?key|api.?key|credential/i;
const URL_SECRET_PATTERN = /([?&](?:license_key|key|token|password)=)[^&\s]+/gi;
const URL_CREDENTIALS_PATTERN = /(\/\/)[^/\s:@]+:[^/\s@]+@/g;
/** Secrets recognisable by shape wherever they appear: JWTs, bcrypt hashes, Bearer credentials. */
const JWT_PATTERN = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const BCRYPT_PATTERN = /\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}/g;
const BEARER_PATTERN = /\b(Bearer\s+)[^\s,;]+/gi;
const MAX_DEPTH = 6;

/** Masks secrets inside free text: URL secrets ("?license_key=...", "user:pass@host"), JWTs, bcrypt hashes, Bearer credentials. */
export function redactText(text: string): string {
  return text
    .replace(URL_SECRET_PATTERN, `$1${REDACTED}`)
    .replace(URL_CREDENTIALS_PATTERN, `$1${REDACTED}@`)
    .replace(JWT_PATTERN, REDACTED)
    .replace(BCRYPT_PATTERN, REDACTED)
    .replace(BEARER_PATTERN, `$1${REDACTED}`);
}

/**
 * Redacts by value, not by key alone: under a secret-named key every text (also nested) is masked,
 * while numbers, booleans and nulls stay, since a count or a flag reveals nothing.
 */
function redactValue(value: unknown, depth: number, secret: boolean): unknown {
  if (typeof value === 'string') return secret ? REDACTED : redactText(value);
  if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function') return secret ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return secret ? REDACTED : value;
  if (Buffer.isBuffer(value)) return REDACTED;
  if (value instanceof Date) return value;
  if (value instanceof Error)
    return { name: value.name, message: redactText(value.message), stack: value.stack && redactText(value.stack) };
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, secret));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, redactValue(item, depth + 1, secret || SECRET_KEY_PATTERN.test(key))]),
  );
}

const redactSecrets = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    info[key] = redactValue(info[key], 0, SECRET_KEY_PATTERN.test(key));
  }
  return info;
});

const attachRequestContext = winston.format((info) => {
  const context = requestContext.getStore();
  if (context) {
    info.requestId ??= context.requestId;
    if (context.userId) info.userId ??= context.userId;
  }
  return info;
});

const prettyLine = winston.format.printf(({ level, message, timestamp, ...meta }) => {
  const details = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
  return `${String(timestamp)} ${level} ${String(message)}${details}`;
});

export type LogFormat = 'json' | 'pretty';
export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'debug' | 'silent';

/** The log line format: timestamp, request context, redaction, then JSON or a readable line (coloured only on a terminal). */
export function logFormat(format: LogFormat) {
  const base = [winston.format.timestamp(), attachRequestContext(), redactSecrets()];
  return format === 'json'
    ? winston.format.combine(...base, winston.format.json())
    : winston.format.combine(...base, ...(process.stdout.isTTY ? [winston.format.colorize()] : []), prettyLine);
}

/** The one logger: a message plus a metadata object; request id attached and secrets redacted. */
export const logger = winston.createLogger({
  level: 'info',
  format: logFormat('pretty'),
  transports: [new winston.transports.Console()],
});

/** Applies the configured level and format; called once at start-up. */
export function configureLogger(options: { level: LogLevel; format: LogFormat }): void {
  logger.configure({
    level: options.level === 'silent' ? 'error' : options.level,
    silent: options.level === 'silent',
    format: logFormat(options.format),
    transports: [new winston.transports.Console()],
  });
}
