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

/**
 * Counts requests until their handler ends the response. A client that disconnects mid-request closes
 * the response early, while its handler still runs (and still uses the database): it counts until it ends.
 */
function createRequestTracker() {
  const active = new Set<ServerResponse>();
  let draining = false;
  let onIdle: (() => void) | undefined;

  /** While draining, a keep-alive connection ends with its response instead of waiting idle for another. */
  function closeAfter(res: ServerResponse): void {
    if (!res.headersSent) res.setHeader('Connection', 'close');
    else res.once('finish', () => res.socket?.destroySoon());
  }

  function track(_req: IncomingMessage, res: ServerResponse): void {
    active.add(res);
    if (draining) closeAfter(res);
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      active.delete(res);
      if (active.size === 0) onIdle?.();
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
    active.forEach(closeAfter);
    return active.size === 0 ? Promise.resolve() : new Promise((resolve) => (onIdle = resolve));
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
    drained ??= (async () => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      const idle = tracker.whenIdle();
      // Connections busy now close with their response (see closeAfter); idle ones close here.
      server.closeIdleConnections();
      await Promise.all([closed, idle]);
    })();
    return drained;
  }

  return { server, drain };
}
