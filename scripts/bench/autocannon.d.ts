// autocannon ships no type definitions; this declares only the part of its API the benchmark uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Histogram {
      average: number;
      mean: number;
      p50: number;
      p90: number;
      p99: number;
      max: number;
    }

    interface Result {
      requests: Histogram & { total: number };
      latency: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      /** Seconds the run lasted. */
      duration: number;
      /** Answers per HTTP status code. */
      statusCodeStats: Record<string, { count: number }>;
    }

    /**
     * One connection; `setHeaders` and `setBody` rebuild the request it sends next. It emits
     * 'response' (statusCode, bytes, durationMs) before it sends the next request.
     */
    interface Client extends EventEmitter {
      setHeaders(headers: Record<string, string>): void;
      setBody(body: string): void;
    }

    /** One request of a sequence; `setupRequest` runs before every send and may change method and path. */
    interface RequestParams {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
    }

    interface SequenceRequest extends RequestParams {
      setupRequest?: (request: RequestParams) => RequestParams;
    }

    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      method?: 'GET' | 'POST';
      requests?: SequenceRequest[];
      headers?: Record<string, string>;
      body?: string;
      timeout?: number;
      setupClient?: (client: Client) => void;
    }

    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options, callback: (error: Error | null, result: autocannon.Result) => void): autocannon.Instance;

  export = autocannon;
}
