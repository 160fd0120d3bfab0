/**
 * How figures are rounded in answers. Durations: 2 decimals of a millisecond. Rates (percent):
 * 3 significant digits, so that a rare violation (1 in 10 million) never reads as 0.
 */
export function roundMs(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const rounded = Math.round(value * 100) / 100;
  // Near the top of the double range `value * 100` overflows: such a value has no decimals anyway.
  return Number.isFinite(rounded) ? rounded : value;
}

export function percentOf(part: number, whole: number): number {
  if (whole <= 0 || part <= 0) return 0;
  return Number(((part / whole) * 100).toPrecision(3));
}

/** A stored number made serialisable: ±Infinity (PostgreSQL can hold it) becomes the largest double, NaN 0. */
export function finiteMs(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.min(Math.max(value, -Number.MAX_VALUE), Number.MAX_VALUE);
}
