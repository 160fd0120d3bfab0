import { useDashboard } from '../state.js';
import { type RangeChoice, resolveRange } from '../time-range.js';
import { scaledSpan } from './Chart.js';
import type { ChartZoom } from './ZoomButtons.js';

/** The narrowest zoom: one second (ranges are kept to the millisecond). */
const MIN_ZOOM_MS = 1_000;
/** Zooming out never asks for more than this (the server refuses ranges over DASHBOARD_MAX_DAYS, 31 by default). */
const MAX_ZOOM_OUT_MS = 30 * 86_400_000;

export interface RangeZoom {
  /** Shows exactly this window (a drag, a clicked bar), remembering the range before the first zoom. */
  zoomTo(from: Date, to: Date): void;
  /** The buttons: in, out and back to the range before zooming. */
  buttons: ChartZoom;
  /** The range before zooming, when zoomed. */
  base: RangeChoice | undefined;
}

/**
 * Zooming that changes the page's range: the URL gets the window (`from`, `to`) and the range
 * it replaced (`zoom`), so Reset, a reload and a copied link all know both.
 */
export function useRangeZoom(): RangeZoom {
  const { route, range, setView, maxDays } = useDashboard();
  const base = route.zoomBase;
  const zoomTo = (from: Date, to: Date) =>
    setView({ range: { kind: 'custom', from, to }, zoomBase: base ?? range, pageNumber: undefined });
  const current = () => {
    const { from, to } = resolveRange(range);
    return [from.getTime(), to.getTime()] as const;
  };
  const longest = Math.min(MAX_ZOOM_OUT_MS, (maxDays ?? 30) * 86_400_000);
  return {
    zoomTo,
    base,
    buttons: {
      zoomIn: () => {
        const [from, to] = current();
        const [a, b] = scaledSpan(from, to, 0.5);
        if (b - a >= MIN_ZOOM_MS) zoomTo(new Date(a), new Date(b));
      },
      zoomOut: () => {
        const [from, to] = current();
        const now = Date.now();
        const span = Math.min(longest, (to - from) * 2);
        const end = Math.min(now, (from + to) / 2 + span / 2);
        zoomTo(new Date(Math.round(end - span)), new Date(Math.round(end)));
      },
      reset: base ? () => setView({ range: base, zoomBase: undefined, pageNumber: undefined }) : undefined,
    },
  };
}
