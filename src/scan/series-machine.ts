import type { SeriesFinding } from '../rules/kinds/kind.js';
import type { SeriesState } from './series-state.js';

export type SeriesEvent = 'alert' | 'reminder' | 'resolved';

export interface StepOptions {
  pendingMinutes: number;
  cooldownMinutes: number;
  /** The evaluation's window end (log time). */
  end: number;
  /** Wall-clock time (reminders are wall-clock, like cooldowns). */
  now: number;
}

export const OK_STATE: SeriesState = {
  state: 'ok',
  pendingSince: null,
  lastValue: null,
  lastSamples: 0,
  lastEvaluatedAt: 0,
  lastNotifiedAt: null,
  incidentId: null,
};

/**
 * One evaluation of one series: ok → pending when the condition holds; pending → firing once
 * it has held for pending_minutes of log time (at once when 0): `alert`; firing → ok when it
 * clears: `resolved`; while firing, `reminder` every cooldown_minutes (0: none). A finding that
 * was not judged (too few samples) keeps the state.
 */
export function stepSeries(
  previous: SeriesState | undefined,
  finding: SeriesFinding,
  options: StepOptions,
): { next: SeriesState; event: SeriesEvent | null } {
  const prev = previous ?? OK_STATE;
  const seen = { ...prev, lastEvaluatedAt: options.end };
  if (!finding.judged) return { next: seen, event: null };
  const measured = { ...seen, lastValue: finding.value, lastSamples: finding.samples };
  const fire = () => ({
    next: { ...measured, state: 'firing' as const, lastNotifiedAt: options.now },
    event: 'alert' as const,
  });
  switch (prev.state) {
    case 'ok':
      if (!finding.holds) return { next: measured, event: null };
      if (options.pendingMinutes <= 0) return fire();
      return { next: { ...measured, state: 'pending', pendingSince: options.end }, event: null };
    case 'pending': {
      if (!finding.holds) return { next: { ...measured, state: 'ok', pendingSince: null }, event: null };
      const since = prev.pendingSince ?? options.end;
      if (options.end - since >= options.pendingMinutes * 60_000) return fire();
      return { next: { ...measured, pendingSince: since }, event: null };
    }
    case 'firing': {
      if (finding.clears) {
        return {
          next: { ...measured, state: 'ok', pendingSince: null, incidentId: null },
          event: 'resolved',
        };
      }
      const cooldownMs = options.cooldownMinutes * 60_000;
      if (cooldownMs > 0 && options.now - (prev.lastNotifiedAt ?? 0) >= cooldownMs) {
        return { next: { ...measured, lastNotifiedAt: options.now }, event: 'reminder' };
      }
      return { next: measured, event: null };
    }
  }
}
