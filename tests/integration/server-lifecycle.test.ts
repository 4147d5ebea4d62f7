import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import mongoose from 'mongoose';
import request from 'supertest';
import { connectTestProcess, useTestDatabase, testDatabaseUri } from '../support/database';
import { createTestContext, TEST_ENV, type TestContext } from '../support/context';

/** A TCP relay we can cut and restore, standing in for a database that goes away and comes back. */
function createRelay(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  async function open(): Promise<number> {
    server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => [client, upstream].forEach((socket) => socket.destroy());
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
    return port;
  }
  async function cut(): Promise<void> {
    sockets.forEach((socket) => socket.destroy());
    sockets.clear();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  }
  return { open, cut };
}

describe('GET /readyz follows the database', () => {
  let ctx: TestContext;
  const relay = (() => {
    const url = new URL(testDatabaseUri().replace(/^mongodb:/, 'http:'));
    return createRelay({ host: url.hostname, port: Number(url.port || 27017) });
  })();

  beforeAll(async () => {
    const port = await relay.open();
    await connectTestProcess(`mongodb://127.0.0.1:${port}/?directConnection=true`, 'keyhold_readyz', { serverSelectionTimeoutMs: 1000 });
    ctx = createTestContext();
  });
  afterAll(async () => {
    await ctx.container.close();
    await mongoose.disconnect();
    await relay.cut();
  });

  it('when the database goes away, then 503; when it comes back, then 200 again', async () => {
    await request(ctx.app).get('/readyz').expect(200);

    await relay.cut();
    const down = await request(ctx.app).get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unavailable', checks: { database: 'down' } });
    await request(ctx.app).get('/healthz').expect(200);

    await relay.open();
    let status = 0;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
      status = (await request(ctx.app).get('/readyz')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
  });
});

describe('graceful shutdown', () => {
  useTestDatabase();
  let server: ChildProcess | undefined;
  afterAll(() => server?.kill('SIGKILL'));

  function startServer(): Promise<number> {
    const root = path.resolve(__dirname, '../..');
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: {
        ...process.env,
        ...TEST_ENV,
        BCRYPT_COST: '12',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        MONGODB_URI: `${testDatabaseUri().replace(/\/$/, '')}/keyhold_shutdown`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      const lines = readline.createInterface({ input: server!.stdout! });
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as { message: string; port?: number };
        if (entry.message === 'keyhold listening') resolve(entry.port!);
      });
      server!.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    });
  }

  it('when SIGTERM arrives during a request, then the request completes and the process exits 0', async () => {
    const port = await startServer();
    const base = `http://127.0.0.1:${port}`;
    const inFlight = request(base)
      .post('/api/v1/auth/register')
      .send({ email: 'shutdown@example.test', password: 'a sufficiently long one' });
    const response = inFlight.then((result) => result);
    // Long enough for a busy machine to have read the request: a connection that has sent nothing yet is
    // closed at shutdown like any idle one (clients retry those on a new connection).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));

    server!.kill('SIGTERM');

    expect((await response).status).toBe(201);
    expect(await exited).toBe(0);
  });
});
