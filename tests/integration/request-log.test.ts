import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { useTestApp } from '../support/context';
import { captureLogs } from '../support/log-capture';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

describe('the request log', () => {
  const ctx = useTestApp();
  const logs = captureLogs();

  const linesOf = (requestId: string) => logs.filter((entry) => entry.requestId === requestId);

  it('when a request fails with a 4xx, then it gets exactly one line, at warn, with its problem code', async () => {
    logs.length = 0;
    const response = await request(ctx.app).get('/api/v1/me').set('Authorization', 'Bearer not-a-token').expect(401);

    expect(linesOf(response.headers['x-request-id'] as string)).toEqual([
      expect.objectContaining({ level: 'warn', message: 'request', status: 401, code: 'TOKEN_INVALID', path: '/api/v1/me' }),
    ]);
  });

  it('when a request succeeds, then one line at info; a probe, then one line at debug', async () => {
    logs.length = 0;
    const root = await request(ctx.app).get('/').expect(200);
    const health = await request(ctx.app).get('/healthz').expect(200);
    const ready = await request(ctx.app).get('/readyz').expect(200);

    expect(linesOf(root.headers['x-request-id'] as string).map((entry) => entry.level)).toEqual(['info']);
    expect(linesOf(health.headers['x-request-id'] as string).map((entry) => entry.level)).toEqual(['debug']);
    expect(linesOf(ready.headers['x-request-id'] as string).map((entry) => entry.level)).toEqual(['debug']);
  });

  it('when the readable format goes to a pipe, then it carries no colour codes', async () => {
    const script =
      "const { configureLogger, logger } = require('./src/lib/logger'); configureLogger({ level: 'info', format: 'pretty' }); logger.warn('piped');";
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT });

    expect(stdout).toContain('warn piped');
    expect(stdout).not.toContain('\u001b[');
  }, 60_000);
});
