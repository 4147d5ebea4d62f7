import type { AuthMethod, SessionRecord } from './session.model';
import type { SessionView } from './session.response';
import type { Location } from '../geoip';

export type { Location };

export type { SessionView };

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
    // Sessions from before MFA existed carry no amr: they were opened with a password.
    amr: session.amr && session.amr.length > 0 ? ([...session.amr] as AuthMethod[]) : ['pwd'],
  };
}
