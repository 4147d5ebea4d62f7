const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/i;

/**
 * Parses "15m", "7d", "250ms" or a bare number of milliseconds into milliseconds.
 * Returns null for anything else so callers can report the offending value.
 */
export function parseDuration(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  const match = DURATION_PATTERN.exec(value.trim());
  if (!match) return null;
  const unit = (match[2] ?? 'ms').toLowerCase();
  return Math.round(Number(match[1]) * (UNIT_MS[unit] ?? 1));
}

/** Formats milliseconds as whole seconds, the unit of HTTP headers such as Retry-After. */
export function toSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}
