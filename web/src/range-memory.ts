import { DEFAULT_RANGE, PRESETS, type RangeChoice } from './time-range.js';

/** The last preset this browser used, for views whose URL names no range. */
const STORAGE_KEY = 'lagwatch.range';

export function loadRange(): RangeChoice {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as { kind?: string; minutes?: number } | null;
    if (saved?.kind === 'preset' && PRESETS.some((p) => p.minutes === saved.minutes)) {
      return { kind: 'preset', minutes: saved.minutes! };
    }
  } catch {
    // a damaged entry: use the default
  }
  return DEFAULT_RANGE;
}

/** Presets are remembered across visits; a custom range is for this visit only. */
export function saveRange(choice: RangeChoice): void {
  if (choice.kind === 'preset') localStorage.setItem(STORAGE_KEY, JSON.stringify(choice));
}
