/**
 * How figures are rounded in answers. Durations: 2 decimals of a millisecond. Rates (percent):
 * 3 significant digits, so that a rare violation (1 in 10 million) never reads as 0.
 */
export function roundMs(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : Math.round(value * 100) / 100;
}

export function percentOf(part: number, whole: number): number {
  if (whole <= 0 || part <= 0) return 0;
  return Number(((part / whole) * 100).toPrecision(3));
}
