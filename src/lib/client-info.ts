import type { Request } from 'express';
import { normalizeIpAddress } from './ip-address';

const MAX_USER_AGENT_LENGTH = 512;

/** The caller's connection, as far as the service needs to know it (audit events, sessions, notices). */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** Who is calling, as far as the service can tell: req.ip honours the `trust proxy` setting. */
export function clientInfoOf(req: Request): ClientInfo {
  const ip = req.ip ? normalizeIpAddress(req.ip) : null;
  return { ip, userAgent: req.get('user-agent')?.slice(0, MAX_USER_AGENT_LENGTH) ?? null };
}
