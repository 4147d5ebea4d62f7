import type { Request } from 'express';
import type { ClientInfo } from '../services/session.service';

const MAX_USER_AGENT_LENGTH = 512;

/** Who is calling, as far as the service can tell: req.ip honours the `trust proxy` setting. */
export function clientInfoOf(req: Request): ClientInfo {
  const ip = req.ip ? req.ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '') : null;
  return { ip, userAgent: req.get('user-agent')?.slice(0, MAX_USER_AGENT_LENGTH) ?? null };
}
