import type { Config } from '../../src/config/env';
import { systemClock } from '../../src/lib/clock';
import { createSecretBox } from '../../src/lib/secret-box';
import { createAuditService, type AuditService } from '../../src/modules/audit';
import { createKeyRing, type KeyRing } from '../../src/modules/keys';

/** The service's key ring, as a script sees it (same database, same DATA_ENCRYPTION_KEY); flush `audit` before exiting. */
export function scriptKeyRing(config: Config): { ring: KeyRing; audit: AuditService } {
  const audit = createAuditService({ now: systemClock });
  const ring = createKeyRing({
    algorithm: config.tokens.algorithm,
    timings: config.tokens,
    box: createSecretBox(config.encryption),
    now: systemClock,
    audit,
  });
  return { ring, audit };
}
