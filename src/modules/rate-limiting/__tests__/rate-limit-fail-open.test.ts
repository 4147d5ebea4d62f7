import mongoose from 'mongoose';
import request from 'supertest';
import { createApp } from '../../../app';
import { createContainer, type Container } from '../../../container';
import { RateLimitCounterModel } from '../rate-limit-counter.model';
import { buildTestConfig } from '../../../../tests/support/context';
import { connectTestProcess } from '../../../../tests/support/database';
import { startOwnDatabase, type OwnDatabase } from '../../../../tests/support/own-database';

// Liveness bounds: the store gives up after RATE_LIMIT_STORE_TIMEOUT (300 ms); the rest is slack for a busy machine.
const ANSWERS_WITHIN_MS = 3000;

describe('rate limiting when the database goes away', () => {
  let database: OwnDatabase;
  let container: Container;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    database = await startOwnDatabase();
    await connectTestProcess(database.uri, 'keyhold_fail_open');
    const config = buildTestConfig({
      MONGODB_URI: database.uri,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_MAX: '3',
      RATE_LIMIT_STORE_TIMEOUT: '300ms',
    });
    container = createContainer({ config });
    app = createApp(container);
  }, 60_000);

  afterAll(async () => {
    await container.close();
    await mongoose.disconnect();
    await database.kill();
  });

  it('when the database is killed, then probes answer at once and limited routes pass uncounted instead of failing', async () => {
    await request(app).get('/openapi.json').expect(200);
    expect(await RateLimitCounterModel.countDocuments({})).toBe(1);

    await database.kill();

    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const health = await request(app).get('/healthz');
      expect(health.status).toBe(200);
      const limited = await request(app).get('/openapi.json');
      // Five requests against a limit of 3: all pass, since nothing can count them (fail open).
      expect(limited.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(ANSWERS_WITHIN_MS);
    }
  });
});
