import { Writable } from 'node:stream';
import winston from 'winston';
import { logFormat } from '../../src/lib/logger';

/** A logger with the service's JSON format that keeps what it writes, parsed. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const log = winston.createLogger({ level: 'debug', format: logFormat('json'), transports: [new winston.transports.Stream({ stream })] });
  return { log, lines };
}

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLWJ5dGVz';
const BCRYPT = '$2b$12$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('logger redaction', () => {
  it('when a secret-named key holds a count, then the count is kept', () => {
    const { log, lines } = captureLogger();

    log.debug('expired sessions swept', { sessions: 3, tokens: 7, passwordResets: 0, hashWorkers: 2, tokenRotation: true });

    expect(lines[0]).toMatchObject({ sessions: 3, tokens: 7, passwordResets: 0, hashWorkers: 2, tokenRotation: true });
  });

  it('when secret-named keys hold text, then the text is redacted at any depth', () => {
    const { log, lines } = captureLogger();

    log.info('request', {
      password: 'hunter2-hunter2',
      refreshToken: 'b64-opaque-token',
      passwordHash: BCRYPT,
      headers: { authorization: 'Bearer abc.def', cookie: 'refreshToken=xyz', 'user-agent': 'curl/8' },
      cookies: { refreshToken: 'xyz', sid: 'also-secret' },
      tokens: ['one', 'two'],
    });

    const line = lines[0]!;
    expect(line).toMatchObject({
      password: '[REDACTED]',
      refreshToken: '[REDACTED]',
      passwordHash: '[REDACTED]',
      headers: { authorization: '[REDACTED]', cookie: '[REDACTED]', 'user-agent': 'curl/8' },
      cookies: { refreshToken: '[REDACTED]', sid: '[REDACTED]' },
      tokens: ['[REDACTED]', '[REDACTED]'],
    });
    expect(JSON.stringify(line)).not.toMatch(/hunter2|b64-opaque|abc\.def|xyz|also-secret/);
  });

  it('when a secret appears by shape in free text or an error, then it is redacted and the rest kept', () => {
    const { log, lines } = captureLogger();

    log.warn(`rejected ${JWT}`, {
      detail: `stored ${BCRYPT} for user 42`,
      header: 'Bearer opaque-credential',
      url: 'https://user:pa55@example.test/db?license_key=LK123&page=2',
      error: new Error(`token ${JWT} expired`),
    });

    const line = lines[0]!;
    const text = JSON.stringify(line);
    expect(text).not.toContain(JWT);
    expect(text).not.toContain(BCRYPT);
    expect(text).not.toMatch(/opaque-credential|pa55|LK123/);
    expect(line.message).toBe('rejected [REDACTED]');
    expect(line.detail).toBe('stored [REDACTED] for user 42');
    expect(line.url).toBe('https://[REDACTED]@example.test/db?license_key=[REDACTED]&page=2');
    expect(line.error).toMatchObject({ name: 'Error', message: 'token [REDACTED] expired' });
  });
});
