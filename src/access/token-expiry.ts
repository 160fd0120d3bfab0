import { ValidationError } from '../validation/problems.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Longest lifetime a token may be given: ten years. */
export const MAX_TOKEN_LIFETIME_MS = 3650 * UNIT_MS.d;

/** "90d", "12h", "30m" (or "1d12h") → milliseconds; undefined when it is not such a duration. */
export function parseTokenLifetime(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d{1,7}[mhd])+$/.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([mhd])/g))
    ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return ms >= UNIT_MS.m && ms <= MAX_TOKEN_LIFETIME_MS ? ms : undefined;
}

/**
 * When a new token expires (epoch ms), or null for never: from `expires` ("90d") or
 * `expires_at` (ISO 8601), at most one of them. Throws ValidationError naming the field.
 */
export function tokenExpiry(input: { expires?: string; expires_at?: string }, now: number): number | null {
  if (input.expires !== undefined && input.expires_at !== undefined) {
    throw new ValidationError([{ field: 'expires', message: 'give expires or expires_at, not both' }]);
  }
  if (input.expires !== undefined) {
    const ms = parseTokenLifetime(input.expires);
    if (ms === undefined) {
      throw new ValidationError([
        { field: 'expires', message: 'must be a duration such as 90d, 12h or 30m (at least 1m, at most 3650d)' },
      ]);
    }
    return now + ms;
  }
  if (input.expires_at !== undefined) {
    const at = Date.parse(input.expires_at);
    if (Number.isNaN(at) || at <= now || at - now > MAX_TOKEN_LIFETIME_MS) {
      throw new ValidationError([
        { field: 'expires_at', message: 'must be an ISO 8601 time in the future, at most 3650 days ahead' },
      ]);
    }
    return at;
  }
  return null;
}
