import type { Device } from '../lib/device';
import type { SessionRecord } from '../models/session.model';
import type { Location } from '../services/geo-locator.service';

export type { Location };

export interface SessionView {
  id: string;
  current: boolean;
  ip: string | null;
  userAgent: string | null;
  device: Device;
  location: Location | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  absoluteExpiresAt: string;
}

function toLocationView(location: SessionRecord['location']): Location | null {
  if (!location) return null;
  return {
    city: location.city ?? null,
    region: location.region ?? null,
    country: location.country ?? null,
    countryCode: location.countryCode ?? null,
  };
}

export function toSessionView(session: SessionRecord, currentSessionId: string | null): SessionView {
  const id = session._id.toString();
  return {
    id,
    current: id === currentSessionId,
    ip: session.ip ?? null,
    userAgent: session.userAgent ?? null,
    device: {
      type: session.device?.type ?? 'unknown',
      browser: session.device?.browser ?? null,
      os: session.device?.os ?? null,
    },
    location: toLocationView(session.location),
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
  };
}
