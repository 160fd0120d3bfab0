import { MAX_SILENCE_MINUTES } from './schemas.js';

const UNIT_MINUTES = { m: 1, h: 60, d: 1440 } as const;

/** "30m", "2h", "1d" (or "90m", "1h30m") → minutes; undefined when it is not such a duration. */
export function parseSilenceDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d{1,6}[mhd])+$/.test(trimmed)) return undefined;
  let minutes = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([mhd])/g)) {
    minutes += Number(amount) * UNIT_MINUTES[unit as keyof typeof UNIT_MINUTES];
  }
  return minutes >= 1 && minutes <= MAX_SILENCE_MINUTES ? minutes : undefined;
}
