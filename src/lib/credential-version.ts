/**
 * Every credential change moves an account's credential version; a session records the version it was
 * opened under and stops authenticating once they differ. Records written before credential versions
 * existed carry none: they are at version 0.
 */
export function credentialVersionOf(record: { credentialVersion?: number | null }): number {
  return record.credentialVersion ?? 0;
}
