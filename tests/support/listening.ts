import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface ListeningServer {
  server: http.Server;
  port: number;
  /** `http://127.0.0.1:<port>`, for fetch. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves an app on a free loopback port. Tests that race requests, send raw bytes or count
 * connections need a real listener; supertest opens one per request and re-serialises bodies.
 */
export async function listen(app: Express): Promise<ListeningServer> {
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One listening server for a describe block: up before its tests, closed after them. */
export function useListeningServer(ctx: { readonly app: Express }): Pick<ListeningServer, 'port' | 'url'> {
  let listening: ListeningServer | undefined;
  beforeAll(async () => {
    listening = await listen(ctx.app);
  });
  afterAll(() => listening?.close());
  const current = (): ListeningServer => {
    if (!listening) throw new Error('the server listens only inside the tests of its describe block');
    return listening;
  };
  return {
    get port() {
      return current().port;
    },
    get url() {
      return current().url;
    },
  };
}
