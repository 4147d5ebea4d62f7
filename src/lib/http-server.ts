import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';

export interface HttpServerOptions {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connectionsCheckingIntervalMs: number;
  maxConnections: number;
}

export interface HttpServer {
  server: http.Server;
  /**
   * Stops accepting connections, lets every request in flight finish (its handler too, even when its
   * client went away), closes keep-alive connections as soon as they are idle, and resolves when none
   * is left. Resolves at once on a second call.
   */
  drain(): Promise<void>;
}

/** How often idle keep-alive connections are closed while draining. */
const IDLE_SWEEP_MS = 50;

/**
 * Counts requests until their handler ends the response. A client that disconnects mid-request closes
 * the response early, while its handler still runs (and still uses the database): it counts until it ends.
 */
function createRequestTracker() {
  let active = 0;
  let draining = false;
  let onIdle: (() => void) | undefined;

  function settle(): void {
    active--;
    if (active === 0) onIdle?.();
  }

  function track(_req: IncomingMessage, res: ServerResponse): void {
    active++;
    if (draining) res.setHeader('Connection', 'close');
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      settle();
    };
    const end = res.end;
    res.end = function endAndSettle(this: ServerResponse, ...args: unknown[]) {
      done();
      return Reflect.apply(end, this, args) as ServerResponse;
    } as ServerResponse['end'];
    res.once('finish', done);
  }

  function whenIdle(): Promise<void> {
    draining = true;
    return active === 0 ? Promise.resolve() : new Promise((resolve) => (onIdle = resolve));
  }

  return { track, whenIdle };
}

/** An HTTP server with bounded header, request and keep-alive times and a connection cap. */
export function createHttpServer(listener: RequestListener, options: HttpServerOptions): HttpServer {
  const tracker = createRequestTracker();
  const server = http.createServer(
    {
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      connectionsCheckingInterval: options.connectionsCheckingIntervalMs,
    },
    (req, res) => {
      tracker.track(req, res);
      listener(req, res);
    },
  );
  server.maxConnections = options.maxConnections;
  let drained: Promise<void> | undefined;

  function drain(): Promise<void> {
    drained ??= new Promise<void>((resolve) => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      server.closeIdleConnections();
      void Promise.all([closed, tracker.whenIdle()]).then(() => {
        clearInterval(sweep);
        resolve();
      });
    });
    return drained;
  }

  return { server, drain };
}
