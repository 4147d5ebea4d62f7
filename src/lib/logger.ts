import winston from 'winston';
import { requestContext } from './request-context';

const REDACTED = '[REDACTED]';
const SECRET_KEY_PATTERN = /pass(word)?|secret|token|authorization|cookie|license.?key|api.?key/i;
const URL_SECRET_PATTERN = /([?&](?:license_key|key|token|password)=)[^&\s]+/gi;
const URL_CREDENTIALS_PATTERN = /(\/\/)[^/\s:@]+:[^/\s@]+@/g;

/** Masks secrets in URLs ("?license_key=..." or "user:pass@host") inside free text. */
export function redactText(text: string): string {
  return text.replace(URL_SECRET_PATTERN, `$1${REDACTED}`).replace(URL_CREDENTIALS_PATTERN, `$1${REDACTED}@`);
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (!value || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return { name: value.name, message: redactText(value.message), stack: value.stack };
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEY_PATTERN.test(key) ? REDACTED : redactValue(item, depth + 1)]),
  );
}

const redactSecrets = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    info[key] = SECRET_KEY_PATTERN.test(key) ? REDACTED : redactValue(info[key], 0);
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

/** Colours only on a terminal: piped into a file or a collector, escape codes are noise. */
function formatFor(format: LogFormat) {
  const base = [winston.format.timestamp(), attachRequestContext(), redactSecrets()];
  return format === 'json'
    ? winston.format.combine(...base, winston.format.json())
    : winston.format.combine(...base, ...(process.stdout.isTTY ? [winston.format.colorize()] : []), prettyLine);
}

/** The one logger: a message plus a metadata object; request id attached and secrets redacted. */
export const logger = winston.createLogger({
  level: 'info',
  format: formatFor('pretty'),
  transports: [new winston.transports.Console()],
});

/** Applies the configured level and format; called once at start-up. */
export function configureLogger(options: { level: LogLevel; format: LogFormat }): void {
  logger.configure({
    level: options.level === 'silent' ? 'error' : options.level,
    silent: options.level === 'silent',
    format: formatFor(options.format),
    transports: [new winston.transports.Console()],
  });
}
