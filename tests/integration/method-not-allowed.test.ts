import http from 'node:http';
import { REMEMBERED_PATHS } from '../../src/middleware/method-not-allowed';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { UserModel } from '../../src/modules/users/user.model';
import { useTestApp } from '../support/context';
import { buildUser, loginAs } from '../support/factories';
import { useListeningServer } from '../support/listening';
import { listRegisteredRoutes } from '../support/routes';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE'];
const SAMPLE_ID = '0123456789abcdef01234567';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** Raw HTTP, so any method (TRACE included, which fetch refuses) goes out exactly as given. */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ port, host: '127.0.0.1', method, path, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text ? JSON.parse(text) : {} }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('methods a known path does not serve', () => {
  const ctx = useTestApp();
  const server = useListeningServer(ctx);

  it('when any registered path is called with a method it does not serve, then 405 METHOD_NOT_ALLOWED with an Allow header of exactly its methods, before authentication', async () => {
    const served = new Map<string, Set<string>>();
    for (const route of listRegisteredRoutes(ctx.app)) {
      const [method, path] = route.split(' ') as [string, string];
      served.set(path, (served.get(path) ?? new Set()).add(method));
    }
    expect(served.size).toBeGreaterThan(10);
    const matcherOf = (pattern: string) => new RegExp(`^${pattern.replace(/:[A-Za-z]+/g, '[^/]+')}$`);
    for (const [path] of served) {
      const concrete = path.replace(/:[A-Za-z]+/g, SAMPLE_ID);
      // A literal path (/signing-keys/rotate) is also served by the parameter routes it matches (/signing-keys/:kid).
      const methods = new Set([...served].filter(([pattern]) => matcherOf(pattern).test(path)).flatMap(([, verbs]) => [...verbs]));
      const allow = [...methods, ...(methods.has('GET') ? ['HEAD'] : [])].sort().join(', ');
      for (const method of METHODS.filter((candidate) => !methods.has(candidate))) {
        const answer = await send(server.port, method, concrete);
        expect({ route: `${method} ${path}`, status: answer.status, code: answer.body.code, allow: answer.headers.allow }).toEqual({
          route: `${method} ${path}`,
          status: 405,
          code: 'METHOD_NOT_ALLOWED',
          allow,
        });
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    }
  });

  it.each([
    ['PUT', '/api/v1/me', 'DELETE, GET, HEAD, PATCH'],
    ['TRACE', '/api/v1/users', 'GET, HEAD'],
    ['PUT', `/api/v1/users/${SAMPLE_ID}`, 'DELETE, GET, HEAD'],
    ['POST', '/api/v1/audit-events', 'GET, HEAD'],
    ['GET', '/api/v1/auth/logout-all', 'POST'],
  ])('when a protected path gets %s without credentials, then 405 (not 401) at %s', async (method, path, allow) => {
    const answer = await send(server.port, method, path);
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe(allow);
    expect(answer.headers['www-authenticate']).toBeUndefined();
  });

  it('when a correct login is sent with PUT, then 405 and no session is opened', async () => {
    const user = await buildUser(ctx.container);
    const body = JSON.stringify({ email: user.email, password: user.password });
    const answer = await send(server.port, 'PUT', '/api/v1/auth/login', { 'Content-Type': 'application/json' }, body);
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(await SessionModel.countDocuments({ userId: user.id })).toBe(0);
    expect((await UserModel.findById(user.id).lean())?.lastLoginAt ?? null).toBeNull();
  });

  it('when a served method is used, then the route answers as usual (HEAD included) and the path case and a trailing slash do not matter', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const auth = { Authorization: `Bearer ${signedIn.accessToken}` };
    expect((await send(server.port, 'GET', '/api/v1/me', auth)).status).toBe(200);
    expect((await send(server.port, 'HEAD', '/api/v1/me', auth)).status).toBe(200);
    expect((await send(server.port, 'GET', '/API/v1/Me/', auth)).status).toBe(200);
    expect((await send(server.port, 'PUT', '/API/v1/Me/', auth)).status).toBe(405);
  });

  it('when more paths than it remembers were called (ids in paths, hostile paths), then every path still gets its own answer', async () => {
    const paths = Array.from({ length: REMEMBERED_PATHS + 20 }, (_, index) => `/api/v1/users/${index.toString(16).padStart(24, '0')}`);
    for (const path of paths) await send(server.port, 'TRACE', path);
    const first = await send(server.port, 'TRACE', paths[0]!);
    expect(first.status).toBe(405);
    expect(first.headers.allow).toBe('DELETE, GET, HEAD');
    const unknown = await send(server.port, 'TRACE', `/api/v1/nothing/${SAMPLE_ID}`);
    expect(unknown.status).toBe(404);
  });

  it.each([
    ['GET', '/api/v1/nothing-here'],
    ['PUT', '/api/v1/nothing-here'],
    ['TRACE', '/nothing'],
    ['DELETE', '/api/v1/auth/nothing'],
  ])('when %s %s names no known path, then 404 NOT_FOUND without Allow', async (method, path) => {
    const answer = await send(server.port, method, path);
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('NOT_FOUND');
    expect(answer.headers.allow).toBeUndefined();
  });
});
