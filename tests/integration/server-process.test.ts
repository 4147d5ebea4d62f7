import { randomBytes } from 'node:crypto';
import net from 'node:net';
import mongoose from 'mongoose';
import { testDatabaseUri } from '../support/database';
import { DEFAULT_PASSWORD, uniqueEmail } from '../support/factories';
import { timedRequest } from '../support/http-client';
import { startServerProcess, type ServerProcess } from '../support/server-process';

jest.setTimeout(120_000);

const GRACE_MS = 8000;

function databaseUri(): { uri: string; name: string } {
  const name = `keyhold_process_${randomBytes(4).toString('hex')}`;
  return { uri: `${testDatabaseUri().replace(/\/$/, '')}/${name}`, name };
}

/** Error lines other than the one-line record of a request refused with 503 (BUSY under load). */
function serverErrors(server: ServerProcess): unknown[] {
  return server.logs.filter((entry) => entry.level === 'error' && !(entry.message === 'request failed' && entry.status === 503));
}

describe('SIGTERM under keep-alive load', () => {
  let server: ServerProcess | undefined;
  let inspector: mongoose.Connection;
  const database = databaseUri();

  beforeAll(async () => {
    inspector = await mongoose.createConnection(database.uri).asPromise();
  });
  afterAll(async () => {
    await server?.kill();
    await inspector.dropDatabase();
    await inspector.close();
  });

  it('when SIGTERM arrives during keep-alive load, then the server drains, keeps every audit event and exits 0 within the grace period', async () => {
    server = await startServerProcess({ MONGODB_URI: database.uri, SHUTDOWN_GRACE: `${GRACE_MS}ms`, HTTP_KEEP_ALIVE_TIMEOUT: '60s' });
    const registered: string[] = [];
    const failures: string[] = [];
    const giveUpAt = Date.now() + GRACE_MS * 2;
    // fetch keeps connections alive by default: ten clients, each reusing its connection and sending
    // without pause, as a load balancer would, until the server closes the connection and refuses a new one.
    const client = async (): Promise<void> => {
      while (Date.now() < giveUpAt) {
        const email = uniqueEmail('load');
        const response = await timedRequest(server!.baseUrl, 'POST', '/api/v1/auth/register', {
          body: { email, password: DEFAULT_PASSWORD },
        }).catch(() => undefined);
        // Once the server stops listening, new connections are refused: that client is done.
        if (!response) return;
        if (response.status === 201) registered.push(email);
        else failures.push(`${response.status} ${response.body.code ?? ''}`);
      }
    };
    const load = Promise.all(Array.from({ length: 10 }, client));
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const signalledAt = Date.now();
    server.signal('SIGTERM');
    const code = await server.exited;
    const drainMs = Date.now() - signalledAt;
    await load;

    expect(code).toBe(0);
    expect(drainMs).toBeLessThan(GRACE_MS);
    expect(failures.filter((failure) => !failure.startsWith('503 BUSY'))).toEqual([]);
    expect(registered.length).toBeGreaterThan(0);
    const events = await inspector.collection('auditevents').countDocuments({ type: 'auth.register' });
    expect(events).toBe(registered.length);
    expect(await inspector.collection('users').countDocuments({ email: { $in: registered } })).toBe(registered.length);
    expect(serverErrors(server)).toEqual([]);
    expect(server.logs.map((entry) => entry.message)).toContain('shut down cleanly');
  });

  it('when a client disconnects mid-request during shutdown, then its handler still finishes against the database and nothing fails', async () => {
    // Hashing threads run at low priority, so on a busy machine this login can take seconds: a long grace.
    server = await startServerProcess({ MONGODB_URI: database.uri, SHUTDOWN_GRACE: '30s', BCRYPT_COST: '12' });
    const email = uniqueEmail('gone');
    expect(
      (await timedRequest(server.baseUrl, 'POST', '/api/v1/auth/register', { body: { email, password: DEFAULT_PASSWORD } })).status,
    ).toBe(201);
    const abandoned = new AbortController();
    // A login at cost 12 spends a few hundred milliseconds hashing before it writes the session.
    const login = fetch(`${server.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: DEFAULT_PASSWORD }),
      signal: abandoned.signal,
    }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 60));

    abandoned.abort();
    server.signal('SIGTERM');

    expect(await login).toBe('aborted');
    const code = await server.exited;
    expect(serverErrors(server)).toEqual([]);
    expect(code).toBe(0);
    const user = await inspector.collection('users').findOne({ email });
    expect(await inspector.collection('sessions').countDocuments({ userId: user!._id })).toBe(1);
    expect(await inspector.collection('auditevents').countDocuments({ type: 'auth.login', actorId: user!._id })).toBe(1);
  });

  it('when a second signal arrives while draining, then the process exits at once', async () => {
    server = await startServerProcess({ MONGODB_URI: database.uri, SHUTDOWN_GRACE: '60s' });
    // A request whose body never completes keeps the drain waiting.
    const socket = net.connect(Number(new URL(server.baseUrl).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em');
    await new Promise((resolve) => setTimeout(resolve, 200));

    server.signal('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.child.exitCode).toBeNull();
    const secondAt = Date.now();
    server.signal('SIGTERM');
    const code = await server.exited;

    expect(code).toBe(143);
    expect(Date.now() - secondAt).toBeLessThan(2000);
    socket.destroy();
  });
});

describe('slow and numerous clients', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({
      MONGODB_URI: databaseUri().uri,
      HTTP_HEADERS_TIMEOUT: '1s',
      HTTP_REQUEST_TIMEOUT: '2s',
      HTTP_CONNECTIONS_CHECK_INTERVAL: '250ms',
      HTTP_MAX_CONNECTIONS: '3',
    });
  });
  afterAll(() => server.kill());

  function connect(): Promise<net.Socket> {
    const socket = net.connect(Number(new URL(server.baseUrl).port), '127.0.0.1');
    return new Promise((resolve, reject) => socket.once('connect', () => resolve(socket)).once('error', reject));
  }

  function closedWithin(socket: net.Socket, ms: number): Promise<{ closed: boolean; received: string }> {
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ closed: false, received }), ms);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve({ closed: true, received });
      });
    });
  }

  it('when a client never finishes its headers (slow-loris), then it is cut off after the headers timeout', async () => {
    const socket = await connect();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
    const started = Date.now();

    const outcome = await closedWithin(socket, 10_000);
    clearInterval(drip);

    expect(outcome.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('when more connections than the cap are opened, then the extra ones are closed unanswered', async () => {
    const held = await Promise.all([connect(), connect(), connect()]);
    const extra = await connect();

    const outcome = await closedWithin(extra, 3000);

    expect(outcome).toEqual({ closed: true, received: '' });
    held.forEach((socket) => socket.destroy());
  });
});
