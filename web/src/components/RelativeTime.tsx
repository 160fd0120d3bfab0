import { useNow, useRelativeNow } from '../clock.js';
import { formatDue, formatRelative, formatUptime } from '../format.js';
import { formatLasting } from '../window-words.js';

type Instant = number | string | Date | null | undefined;

/** "3 min ago" / "in 59 min", kept true by the shared clock. */
export function Relative({ at }: { at: Instant }) {
  const now = useRelativeNow(at);
  return <>{formatRelative(at, now)}</>;
}

/** "in 20 s", then "now" once due, kept true by the shared clock. */
export function Due({ at }: { at: Instant }) {
  const now = useRelativeNow(at);
  return <>{formatDue(at, now)}</>;
}

/** How long something lasted, or lasts so far while `to` is null ("23 min"). */
export function Lasting({ from, to }: { from: string; to: string | null }) {
  const now = useNow();
  return <>{formatLasting(from, to, now)}</>;
}

/** The server's uptime as answered at `loadedAt`, counted on since. */
export function Uptime({ seconds, loadedAt }: { seconds: number; loadedAt: number | undefined }) {
  const now = useNow();
  return <>{formatUptime(seconds + Math.max(0, Math.floor((now - (loadedAt ?? now)) / 1000)))}</>;
}
