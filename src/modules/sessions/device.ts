// ua-parser-js stays on v1 (MIT): v2 and later are AGPL-3.0, which this MIT service cannot ship.
import { UAParser } from 'ua-parser-js';

export interface Device {
  type: string;
  browser: string | null;
  os: string | null;
}

function join(name: string | undefined, version: string | undefined): string | null {
  if (!name) return null;
  return version ? `${name} ${version.split('.')[0]}` : name;
}

/** A short, human description of the device behind a User-Agent, for the sessions list. */
export function describeDevice(userAgent: string): Device {
  const result = new UAParser(userAgent).getResult();
  return {
    type: result.device.type ?? (result.browser.name || result.os.name ? 'desktop' : 'unknown'),
    browser: join(result.browser.name, result.browser.version),
    os: join(result.os.name, result.os.version),
  };
}
