/**
 * Generates the GeoIP test databases in tests/fixtures/geoip/ (commit the output):
 *   GeoLite2-City-Test.mmdb     the main fixture
 *   GeoLite2-City-Test-v2.mmdb  a later "release" with different cities, for hot-swap tests
 *
 * Regenerate with: npx tsx scripts/geoip-fixture/generate.ts   (npm run geoip:fixture)
 *
 * Records follow the GeoLite2-City layout (city, continent, country, location, postal,
 * registered_country, subdivisions) with English names, and only documentation ranges are used
 * so no real address is ever located by a test. The output is byte-for-byte reproducible.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildMmdb, type MmdbNetwork, type MmdbValue } from './mmdb-writer';

const OUTPUT_DIR = path.resolve(__dirname, '../../tests/fixtures/geoip');

interface Place {
  city?: { id: number; name: string };
  subdivision?: { id: number; iso: string; name: string };
  country: { id: number; iso: string; name: string };
  continent: { id: number; code: string; name: string };
  location: { latitude: number; longitude: number; timeZone: string };
}

const OCEANIA = { id: 6255151, code: 'OC', name: 'Oceania' };
const EUROPE = { id: 6255148, code: 'EU', name: 'Europe' };
const ASIA = { id: 6255147, code: 'AS', name: 'Asia' };
const NORTH_AMERICA = { id: 6255149, code: 'NA', name: 'North America' };
const AUSTRALIA = { id: 2077456, iso: 'AU', name: 'Australia' };
const GERMANY = { id: 2921044, iso: 'DE', name: 'Germany' };

function cityRecord(place: Place): { [key: string]: MmdbValue } {
  const names = (name: string) => ({ en: name });
  const country = { geoname_id: place.country.id, iso_code: place.country.iso, names: names(place.country.name) };
  return {
    ...(place.city && { city: { geoname_id: place.city.id, names: names(place.city.name) } }),
    continent: { code: place.continent.code, geoname_id: place.continent.id, names: names(place.continent.name) },
    country,
    location: {
      accuracy_radius: 100,
      latitude: place.location.latitude,
      longitude: place.location.longitude,
      time_zone: place.location.timeZone,
    },
    registered_country: country,
    ...(place.subdivision && {
      subdivisions: [{ geoname_id: place.subdivision.id, iso_code: place.subdivision.iso, names: names(place.subdivision.name) }],
    }),
  };
}

const SYDNEY: Place = {
  city: { id: 2147714, name: 'Sydney' },
  subdivision: { id: 2155400, iso: 'NSW', name: 'New South Wales' },
  country: AUSTRALIA,
  continent: OCEANIA,
  location: { latitude: -33.8715, longitude: 151.2006, timeZone: 'Australia/Sydney' },
};
const BERLIN: Place = {
  city: { id: 2950159, name: 'Berlin' },
  subdivision: { id: 2950157, iso: 'BE', name: 'Land Berlin' },
  country: GERMANY,
  continent: EUROPE,
  location: { latitude: 52.5196, longitude: 13.4069, timeZone: 'Europe/Berlin' },
};
const TOKYO: Place = {
  city: { id: 1850147, name: 'Tokyo' },
  subdivision: { id: 1850144, iso: '13', name: 'Tokyo' },
  country: { id: 1861060, iso: 'JP', name: 'Japan' },
  continent: ASIA,
  location: { latitude: 35.6893, longitude: 139.6899, timeZone: 'Asia/Tokyo' },
};
/** Country-level only, as GeoLite2 returns for many addresses. */
const UNITED_STATES: Place = {
  country: { id: 6252001, iso: 'US', name: 'United States' },
  continent: NORTH_AMERICA,
  location: { latitude: 37.751, longitude: -97.822, timeZone: 'America/Chicago' },
};
const MELBOURNE: Place = {
  city: { id: 2158177, name: 'Melbourne' },
  subdivision: { id: 2145234, iso: 'VIC', name: 'Victoria' },
  country: AUSTRALIA,
  continent: OCEANIA,
  location: { latitude: -37.8159, longitude: 144.9669, timeZone: 'Australia/Melbourne' },
};
const HAMBURG: Place = {
  city: { id: 2911298, name: 'Hamburg' },
  subdivision: { id: 2911297, iso: 'HH', name: 'Hamburg' },
  country: GERMANY,
  continent: EUROPE,
  location: { latitude: 53.5507, longitude: 9.993, timeZone: 'Europe/Berlin' },
};

function networks(entries: Array<[string, Place]>): MmdbNetwork[] {
  return entries.map(([cidr, place]) => ({ cidr, data: cityRecord(place) }));
}

const DATABASES = [
  {
    file: 'GeoLite2-City-Test.mmdb',
    buildEpochSeconds: Date.UTC(2026, 10, 20) / 1000,
    networks: networks([
      ['203.0.113.0/24', SYDNEY],
      ['198.51.100.0/24', BERLIN],
      ['192.0.2.0/24', UNITED_STATES],
      ['2001:db8::/32', TOKYO],
    ]),
  },
  {
    file: 'GeoLite2-City-Test-v2.mmdb',
    buildEpochSeconds: Date.UTC(2026, 10, 27) / 1000,
    networks: networks([
      ['203.0.113.0/24', MELBOURNE],
      ['198.51.100.0/24', HAMBURG],
      ['2001:db8::/32', TOKYO],
    ]),
  },
];

fs.mkdirSync(OUTPUT_DIR, { recursive: true });
for (const database of DATABASES) {
  const file = buildMmdb({
    databaseType: 'GeoLite2-City',
    description: 'Keyhold GeoIP test fixture (documentation ranges only)',
    languages: ['en'],
    buildEpochSeconds: database.buildEpochSeconds,
    networks: database.networks,
  });
  fs.writeFileSync(path.join(OUTPUT_DIR, database.file), file);
  process.stdout.write(`wrote ${database.file} (${file.length} bytes)\n`);
}
