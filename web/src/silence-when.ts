import { formatRelative } from './format.js';

/** Where a silence stands at `now`, whatever the list it was fetched in said then. */
export type SilencePhase = 'future' | 'in force' | 'ended';

export function silencePhase(silence: { starts_at: string; ends_at: string }, now: number): SilencePhase {
  if (Date.parse(silence.starts_at) > now) return 'future';
  return Date.parse(silence.ends_at) > now ? 'in force' : 'ended';
}

/**
 * A silence's time in words at `now`: "starts in 5 min", "in 59 min" (its end), "ended 2 min ago".
 * An active silence whose end has passed says "ended …" before the list is fetched again.
 */
export function silenceWhen(silence: { starts_at: string; ends_at: string }, now: number): string {
  const phase = silencePhase(silence, now);
  if (phase === 'future') return `starts ${formatRelative(silence.starts_at, now)}`;
  return phase === 'in force' ? formatRelative(silence.ends_at, now) : `ended ${formatRelative(silence.ends_at, now)}`;
}
