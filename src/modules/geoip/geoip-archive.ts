import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import axios, { isAxiosError } from 'axios';
import * as tar from 'tar';
import { logger } from '../../lib/logger';

/** Where a GeoIP archive and its published SHA-256 come from. Holds the licence key: never log it. */
export interface ArchiveSource {
  archiveUrl: string;
  checksumUrl: string;
  auth?: { username: string; password: string };
}

const PROGRESS_STEP_PERCENT = 10;
const PROGRESS_EVERY_MS = 5_000;
const MAX_CHECKSUM_BYTES = 4_096;
const LINK_TYPES = new Set(['Link', 'SymbolicLink']);

/**
 * MaxMind's current endpoint takes basic auth (account id + licence key); the legacy one takes a
 * `license_key` query parameter. The checksum sits beside the archive: `suffix=tar.gz.sha256` on
 * MaxMind's URLs, `<url>.sha256` on a mirror whose URL has no `suffix` parameter.
 */
export function describeArchiveSource(options: { downloadUrl: string; accountId?: string; licenseKey: string }): ArchiveSource {
  const archive = new URL(options.downloadUrl);
  if (!options.accountId) archive.searchParams.set('license_key', options.licenseKey);
  const checksum = new URL(archive);
  const suffix = archive.searchParams.get('suffix');
  if (suffix) checksum.searchParams.set('suffix', `${suffix}.sha256`);
  else checksum.pathname = `${checksum.pathname}.sha256`;
  return {
    archiveUrl: archive.toString(),
    checksumUrl: checksum.toString(),
    ...(options.accountId && { auth: { username: options.accountId, password: options.licenseKey } }),
  };
}

/** Reads the published checksum (`<hex>  <filename>`) and returns the lowercase hex digest. */
export async function fetchChecksum(source: ArchiveSource, signal: AbortSignal): Promise<string> {
  const response = await axios.get<string>(source.checksumUrl, {
    auth: source.auth,
    signal,
    responseType: 'text',
    maxContentLength: MAX_CHECKSUM_BYTES,
  });
  const digest = /^\s*([0-9a-f]{64})\b/i.exec(String(response.data))?.[1];
  if (!digest) throw new Error('the published checksum is not a SHA-256 digest');
  return digest.toLowerCase();
}

/** Fails a stream once more than `maxBytes` have passed through it, before writing the chunk that overflows. */
function sizeCap(maxBytes: number, what: string): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > maxBytes) callback(new Error(`${what} exceeds the cap of ${maxBytes} bytes`));
      else callback(null, chunk);
    },
  });
}

function progressLogger(totalBytes: number | null): Transform & { bytes: number } {
  let lastLoggedAt = Date.now();
  let nextPercent = PROGRESS_STEP_PERCENT;
  const counter = Object.assign(
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        counter.bytes += chunk.length;
        const percent = totalBytes ? Math.floor((counter.bytes / totalBytes) * 100) : null;
        const due = percent !== null && percent >= nextPercent && percent < 100;
        if (due || Date.now() - lastLoggedAt >= PROGRESS_EVERY_MS) {
          logger.info('GeoIP download progress', { bytes: counter.bytes, totalBytes, percent });
          lastLoggedAt = Date.now();
          if (percent !== null) nextPercent = (Math.floor(percent / PROGRESS_STEP_PERCENT) + 1) * PROGRESS_STEP_PERCENT;
        }
        callback(null, chunk);
      },
    }),
    { bytes: 0 },
  );
  return counter;
}

/**
 * Streams the archive to `target` while hashing it; returns its size and SHA-256. More than `maxBytes`
 * (announced or received) aborts the download: the caller removes the partial file.
 */
export async function downloadArchive(
  source: ArchiveSource,
  target: string,
  signal: AbortSignal,
  maxBytes: number,
): Promise<{ bytes: number; sha256: string }> {
  const response = await axios
    .get<Readable>(source.archiveUrl, { auth: source.auth, signal, responseType: 'stream' })
    .catch((error: unknown) => {
      // An error status still carries an open body stream; drop it so the socket is released.
      if (isAxiosError<Readable>(error)) error.response?.data.destroy();
      throw error;
    });
  const length = Number(response.headers['content-length']);
  if (Number.isFinite(length) && length > maxBytes) {
    response.data.destroy();
    throw new Error(`the archive (${length} bytes announced) exceeds the cap of ${maxBytes} bytes`);
  }
  const progress = progressLogger(Number.isFinite(length) && length > 0 ? length : null);
  const hash = createHash('sha256');
  progress.on('data', (chunk: Buffer) => hash.update(chunk));
  await pipeline(response.data, sizeCap(maxBytes, 'the archive'), progress, createWriteStream(target), { signal });
  return { bytes: progress.bytes, sha256: hash.digest('hex') };
}

/** Why an archive entry may not be trusted, or null when it is an ordinary file or directory. */
function entryProblem(entry: tar.ReadEntry): string | null {
  const segments = entry.path.split(/[\\/]+/);
  if (path.posix.isAbsolute(entry.path) || path.win32.isAbsolute(entry.path)) return `absolute path "${entry.path}"`;
  if (segments.includes('..')) return `path traversal "${entry.path}"`;
  if (LINK_TYPES.has(entry.type)) return `link entry "${entry.path}"`;
  return null;
}

/** Feeds the archive file through the parser; tar and zlib failures become "corrupt archive". */
async function parseArchive(archive: string, parser: tar.Parser): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      parser.on('end', resolve).on('error', reject);
      createReadStream(archive).on('error', reject).pipe(parser);
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const isFormatError = typeof code === 'string' && /^(TAR_|Z_)/.test(code);
    throw isFormatError ? new Error(`corrupt archive: ${(error as Error).message}`, { cause: error }) : error;
  }
}

/**
 * Copies the one `.mmdb` file of a (gzipped) tar archive to `target`, writing nothing else. Refuses
 * the whole archive on any absolute, `..` or link entry, when it holds no or several databases, and
 * when the database is larger than `maxBytes` (tar reads exactly the size its header gives, so the
 * header decides before a byte is written).
 */
export async function extractMmdb(archive: string, target: string, maxBytes: number): Promise<{ entry: string }> {
  const problems: string[] = [];
  const databases: string[] = [];
  let output: WriteStream | undefined;
  // Settles with the write error (or undefined) so a failure surfaces once, after parsing, never unhandled.
  let written: Promise<unknown> = Promise.resolve();
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const problem = entryProblem(entry);
      if (problem) problems.push(problem);
      const isDatabase = !problem && entry.type === 'File' && entry.path.endsWith('.mmdb');
      if (!isDatabase || databases.push(entry.path) > 1) return void entry.resume();
      if (entry.size > maxBytes) {
        entry.resume();
        return void parser.abort(new Error(`the database (${entry.size} bytes) exceeds the cap of ${maxBytes} bytes`));
      }
      output = createWriteStream(target);
      written = finished(output).catch((error: unknown) => error);
      output.on('error', (error) => parser.abort(error));
      entry.pipe(output);
    },
  });
  try {
    await parseArchive(archive, parser);
  } catch (error) {
    // A broken archive stops mid-entry, which would leave the output file open.
    output?.destroy();
    throw error;
  }
  const writeError = await written;
  if (writeError) throw writeError;
  if (problems.length > 0) throw new Error(`refusing archive: ${problems.join(', ')}`);
  if (databases.length !== 1) throw new Error(`expected one .mmdb file in the archive, found ${databases.length}`);
  return { entry: databases[0] ?? '' };
}
