import { Writable } from 'node:stream';
import winston from 'winston';
import { configureLogger, logger } from '../../src/lib/logger';

export interface LogEntry {
  level: string;
  message: string;
  [key: string]: unknown;
}

/**
 * Records every log entry (down to debug) while a test file runs, instead of printing it; afterAll
 * puts the suite's silent logger back. `entries` is live: clear it with `entries.length = 0`.
 */
export function captureLogs(): LogEntry[] {
  const entries: LogEntry[] = [];
  beforeAll(() => {
    const sink = new Writable({
      objectMode: true,
      write(entry: LogEntry, _encoding, done) {
        entries.push(entry);
        done();
      },
    });
    // The production format (redaction, request context, plain level names), into the sink only.
    configureLogger({ level: 'debug', format: 'json' });
    logger.clear().add(new winston.transports.Stream({ stream: sink }));
  });
  afterAll(() => configureLogger({ level: 'silent', format: 'pretty' }));
  return entries;
}
