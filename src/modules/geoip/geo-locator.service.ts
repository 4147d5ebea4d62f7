import fs from 'node:fs/promises';
import { AddressNotFoundError, BadMethodCallError, Reader, type City, type ReaderModel } from '@maxmind/geoip2-node';
import { isPublicAddress, normalizeIpAddress } from '../../lib/ip-address';

/** Where an address is, with English names; region is the first (largest) subdivision. */
export interface Location {
  city: string | null;
  region: string | null;
  country: string | null;
  countryCode: string | null;
}

/**
 * disabled: no licence key and no database; missing: no database yet; loading: first database being
 * read; ready: lookups answered; error: the last load failed and no database is in use.
 */
export type GeoState = 'disabled' | 'missing' | 'loading' | 'ready' | 'error';

export interface GeoStatus {
  state: GeoState;
  /** Build date the publisher stamped into the database in use (ISO 8601). */
  databaseBuiltAt: string | null;
  /** When the database in use was loaded (ISO 8601). */
  loadedAt: string | null;
  /** Why the most recent load failed, if it did (cleared by the next successful load). */
  lastError: string | null;
}

export interface GeoLocator {
  /** Synchronous lookup for the login path; null for non-public or malformed addresses, no database or no match. */
  locate(ip: string): Location | null;
  /** Reads a .mmdb file and swaps it in; throws (keeping the previous database) when it is unusable. */
  load(path: string): Promise<void>;
  status(): GeoStatus;
  /** Records that updates are switched off, so status() can say so while no database is loaded. */
  disable(): void;
}

export interface CityDatabase {
  reader: ReaderModel;
  builtAt: Date | null;
}

const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
/** The metadata key `build_epoch` as the MMDB data section encodes it (utf8 string of 11 bytes). */
const BUILD_EPOCH_KEY = Buffer.concat([Buffer.from([0x40 | 11]), Buffer.from('build_epoch')]);
/** Addresses looked up once on open, so a corrupt search tree fails the load rather than a login. */
const PROBE_ADDRESSES = ['1.1.1.1', '81.2.69.160'];

/** The publisher's build time; geoip2-node keeps its metadata private, and the field is a plain uint64. */
function readBuildEpoch(buffer: Buffer): Date | null {
  const metadataStart = buffer.lastIndexOf(METADATA_MARKER);
  const keyAt = metadataStart < 0 ? -1 : buffer.indexOf(BUILD_EPOCH_KEY, metadataStart);
  if (keyAt < 0) return null;
  const valueAt = keyAt + BUILD_EPOCH_KEY.length;
  const size = buffer[valueAt] ?? 0;
  const isUint64 = size >> 5 === 0 && size <= 8 && buffer[valueAt + 1] === 9 - 7;
  if (!isUint64) return null;
  const bytes = buffer.subarray(valueAt + 2, valueAt + 2 + size);
  return new Date(Number(bytes.reduce((seconds, byte) => (seconds << 8n) | BigInt(byte), 0n)) * 1000);
}

/** Opens an in-memory GeoIP2/GeoLite2 City database and proves it answers; throws when it cannot. */
export function openCityDatabase(buffer: Buffer): CityDatabase {
  const reader = Reader.openBuffer(buffer);
  for (const address of PROBE_ADDRESSES) {
    try {
      reader.city(address);
    } catch (error) {
      if (error instanceof BadMethodCallError) throw new Error('not a City database', { cause: error });
      if (!(error instanceof AddressNotFoundError)) throw error;
    }
  }
  return { reader, builtAt: readBuildEpoch(buffer) };
}

function toLocation(record: City): Location | null {
  const location: Location = {
    city: record.city?.names.en ?? null,
    region: record.subdivisions?.[0]?.names.en ?? null,
    country: record.country?.names.en ?? null,
    countryCode: record.country?.isoCode ?? null,
  };
  return Object.values(location).some((value) => value !== null) ? location : null;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Creates the in-memory City database holder that login uses to place sessions on a map. */
export function createGeoLocator(): GeoLocator {
  let database: (CityDatabase & { loadedAt: Date }) | null = null;
  let loadsInFlight = 0;
  let disabled = false;
  let lastError: string | null = null;

  function locate(ip: string): Location | null {
    const address = normalizeIpAddress(ip);
    if (!database || address === null || !isPublicAddress(address)) return null;
    try {
      return toLocation(database.reader.city(address));
    } catch {
      // Not found, or a damaged record: either way a login must go on without a location.
      return null;
    }
  }

  async function load(path: string): Promise<void> {
    loadsInFlight += 1;
    try {
      const opened = openCityDatabase(await fs.readFile(path));
      database = { ...opened, loadedAt: new Date() };
      lastError = null;
    } catch (error) {
      lastError = `cannot load ${path}: ${describe(error)}`;
      throw new Error(lastError, { cause: error });
    } finally {
      loadsInFlight -= 1;
    }
  }

  function status(): GeoStatus {
    const state: GeoState = database ? 'ready' : loadsInFlight > 0 ? 'loading' : lastError ? 'error' : disabled ? 'disabled' : 'missing';
    return {
      state,
      databaseBuiltAt: database?.builtAt?.toISOString() ?? null,
      loadedAt: database?.loadedAt.toISOString() ?? null,
      lastError,
    };
  }

  return {
    locate,
    load,
    status,
    disable: () => {
      disabled = true;
    },
  };
}
