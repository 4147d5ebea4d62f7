import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { UserModel } from '../../src/modules/users/user.model';
import { useTestApp } from '../support/context';
import { eventually, uniqueEmail } from '../support/factories';
import { useListeningServer } from '../support/listening';
import { captureLogs } from '../support/log-capture';

const REGISTER = '/api/v1/auth/register';

function registration(email: string): Buffer {
  return Buffer.from(JSON.stringify({ email, password: 'correct horse battery staple' }));
}

// A listening server and fetch: supertest re-serialises a Buffer under a JSON content type.
describe('request bodies that cannot be decoded', () => {
  const ctx = useTestApp();
  const logs = captureLogs();
  const server = useListeningServer(ctx);
  beforeEach(() => {
    logs.length = 0;
  });
  afterEach(() => {
    expect(logs.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  async function post(body: Buffer, encoding: string): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
    const response = await fetch(`${server.url}${REGISTER}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding },
      body: new Uint8Array(body),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  it('when a gzip body is valid, then it is decoded and the request succeeds', async () => {
    const email = uniqueEmail();
    const response = await post(gzipSync(registration(email)), 'gzip');
    expect(response.status).toBe(201);
    expect(await UserModel.countDocuments({ email })).toBe(1);
  });

  it.each([
    ['gzip', 'not gzip at all', () => Buffer.from('this is not gzip data')],
    ['gzip', 'truncated gzip', () => gzipSync(registration(uniqueEmail())).subarray(0, 20)],
    ['deflate', 'broken deflate', () => Buffer.from([0x78, 0x9c, 0xff, 0xff, 0x00, 0x01])],
    ['br', 'broken brotli', () => Buffer.from('definitely not brotli')],
  ])('when Content-Encoding is %s but the body is %s, then 400 MALFORMED_BODY and nothing is stored', async (encoding, _label, body) => {
    const before = await UserModel.countDocuments();
    const response = await post(body(), encoding);
    expect(response.status).toBe(400);
    expect(response.type).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ code: 'MALFORMED_BODY', status: 400 });
    expect(JSON.stringify(response.body)).not.toMatch(/zlib|Z_|stack|at /);
    expect(await UserModel.countDocuments()).toBe(before);
  });

  it.each(['compress', 'x-custom', 'gzip, snappy'])(
    'when Content-Encoding is %s, then 415 UNSUPPORTED_MEDIA_TYPE and nothing is stored',
    async (encoding) => {
      const email = uniqueEmail();
      const response = await post(registration(email), encoding);
      expect(response.status).toBe(415);
      expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(await UserModel.countDocuments({ email })).toBe(0);
    },
  );

  it('when the upload is aborted mid-body, then it ends as a 400 MALFORMED_BODY warning, nothing at error level and nothing stored', async () => {
    const email = uniqueEmail();
    const body = registration(email);
    const client = http.request({
      port: server.port,
      host: '127.0.0.1',
      method: 'POST',
      path: REGISTER,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length + 500) },
    });
    client.on('error', () => undefined);
    client.write(body);
    // The request has reached the body reader once the request logger's start of the request ran; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.destroy();

    const warning = await eventually(async () => logs.find((entry) => entry.code === 'MALFORMED_BODY'));
    expect(warning).toMatchObject({ level: 'warn', status: 400, path: REGISTER });
    expect(await UserModel.countDocuments({ email })).toBe(0);
  });
});
