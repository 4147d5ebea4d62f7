import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Request, Response } from 'express';

const ENCODINGS = ['br', 'gzip'] as const;
type Encoding = (typeof ENCODINGS)[number];

/** The same settings as the compression middleware (brotli quality 4, gzip's default level). */
const ENCODERS: Record<Encoding, (body: Buffer) => Buffer> = {
  br: (body) => brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } }),
  gzip: (body) => gzipSync(body),
};

/**
 * A JSON answer serialised once and sent many times: its body, and each compressed form the first
 * time a client asks for it. For answers cached between requests, so a cache hit costs neither
 * `JSON.stringify` nor a compression stream.
 */
export interface PreparedJson {
  readonly body: Buffer;
  encoded(encoding: Encoding): Buffer;
}

export function prepareJson(value: unknown): PreparedJson {
  const body = Buffer.from(JSON.stringify(value));
  const encoded = new Map<Encoding, Buffer>();
  return {
    body,
    encoded(encoding) {
      let bytes = encoded.get(encoding);
      if (!bytes) encoded.set(encoding, (bytes = ENCODERS[encoding](body)));
      return bytes;
    },
  };
}

/**
 * Sends a prepared answer with status 200, compressed as the client prefers when it is at least
 * `thresholdBytes` long (the compression middleware's rule; it leaves an encoded body alone).
 */
export function sendPreparedJson(req: Request, res: Response, prepared: PreparedJson, thresholdBytes: number): void {
  res.type('json');
  res.vary('Accept-Encoding');
  const encoding = prepared.body.length >= thresholdBytes ? req.acceptsEncodings(...ENCODINGS, 'identity') : false;
  if (encoding === 'br' || encoding === 'gzip') {
    res.set('Content-Encoding', encoding);
    res.send(prepared.encoded(encoding));
    return;
  }
  res.send(prepared.body);
}
