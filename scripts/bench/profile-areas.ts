/**
 * Areas of the server's work, for reading a CPU profile by what the time was spent on rather than by
 * function: a sample counts for the innermost frame on its stack that belongs to an area, so the time
 * a driver call spends in Node's socket code counts for the driver, and the time a middleware spends
 * calling the next one counts for the next one. Order matters: the first area a frame matches wins.
 */
export interface Frame {
  functionName: string;
  url: string;
}

const AREAS: readonly [string, (frame: Frame) => boolean][] = [
  ['garbage collection', (frame) => frame.functionName === '(garbage collector)'],
  ['idle', (frame) => frame.functionName === '(idle)'],
  ['database driver and batching', (frame) => /node_modules\/(mongoose|mongodb|bson)\/|find-by-ids|micro-batcher/.test(frame.url)],
  ['rate limiting', (frame) => /rate-limit/.test(frame.url)],
  ['authentication', (frame) => /authenticate\.js|access-token|session\.service|user-records|credential-version/.test(frame.url)],
  ['controller, views, JSON', (frame) => /\.controller\.js|\.view\.js|\.service\.js|express\/lib\/response/.test(frame.url)],
  ['compression', (frame) => /node_modules\/(compression|on-headers)\/|middleware\/compression/.test(frame.url)],
  ['metrics', (frame) => /modules\/operations\/|prom-client/.test(frame.url)],
  ['helmet and CORS', (frame) => /node_modules\/(helmet|cors)\//.test(frame.url)],
  ['routing', (frame) => /node_modules\/(router|path-to-regexp)\/|express\/lib\/(application|express)/.test(frame.url)],
  ['express request', (frame) => /node_modules\/express\//.test(frame.url)],
  ['own middleware and lib', (frame) => /dist\/src\/(middleware|lib)\//.test(frame.url)],
];

/** The area of a sample, given its stack from the innermost frame out. */
export function areaOf(stack: Iterable<Frame>): string {
  let innermost: Frame | undefined;
  for (const frame of stack) {
    innermost ??= frame;
    const area = AREAS.find(([, belongs]) => belongs(frame));
    if (area) return area[0];
  }
  return innermost && !innermost.url ? `other: ${innermost.functionName}` : 'other (Node, V8)';
}
