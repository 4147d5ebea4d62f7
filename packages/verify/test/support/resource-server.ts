import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { RequestHandler } from 'express';

export interface TestResourceServer {
  /** GET /private, behind the middleware under test; answers `{ auth: req.auth }`. */
  get(headers?: Record<string, string>): Promise<Response>;
  /** The same with `Authorization: Bearer <token>`. */
  getWithToken(token: string): Promise<Response>;
  close(): Promise<void>;
}

/** A real Express 5 app on 127.0.0.1 with one protected route. */
export async function startResourceServer(middleware: RequestHandler): Promise<TestResourceServer> {
  const app = express();
  app.get('/private', middleware, (req, res) => {
    res.json({ auth: req.auth });
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/private`;
  const get = (headers: Record<string, string> = {}) => fetch(url, { headers });
  return {
    get,
    getWithToken: (token) => get({ authorization: `Bearer ${token}` }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
