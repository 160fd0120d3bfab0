/**
 * The time axis of a trace waterfall: a "nice" step (1, 2, 2.5 or 5 × 10^n ms) giving about
 * five intervals, a domain that ends on a tick, and labels that all use one unit, chosen from
 * the domain: "+250 ms", "+1.5 s", "+2 min", "+1.5 h".
 */
export interface TraceAxis {
  /** The axis runs from 0 to this many ms (a multiple of `step`, at least the span). */
  domain: number;
  step: number;
  ticks: { ms: number; label: string }[];
  /** An offset in the axis' unit, without the sign: "250 ms", "1.5 s". */
  format(ms: number): string;
}

const UNITS = [
  { suffix: 'ms', ms: 1, upTo: 2_000 },
  { suffix: 's', ms: 1_000, upTo: 120_000 },
  { suffix: 'min', ms: 60_000, upTo: 2 * 3_600_000 },
  { suffix: 'h', ms: 3_600_000, upTo: Number.POSITIVE_INFINITY },
];

export function niceStep(span: number, intervals = 5): number {
  const raw = Math.max(span, 1) / intervals;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normal = raw / magnitude;
  const factor = normal <= 1 ? 1 : normal <= 2 ? 2 : normal <= 2.5 ? 2.5 : normal <= 5 ? 5 : 10;
  return factor * magnitude;
}

export function traceAxis(spanMs: number): TraceAxis {
  const span = Math.max(spanMs, 1);
  const unit = UNITS.find((u) => span <= u.upTo)!;
  // Nice in the axis' unit: 20 s, 5 min rather than 100,000 ms.
  const step = niceStep(span / unit.ms) * unit.ms;
  const domain = Math.max(step, Math.ceil(span / step - 1e-9) * step);
  // Enough decimals to tell neighbouring ticks apart, the same for every tick.
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / unit.ms) - 1e-9));
  const number = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  const format = (ms: number) => `${number.format(ms / unit.ms)} ${unit.suffix}`;
  const ticks: TraceAxis['ticks'] = [];
  for (let i = 0; i * step <= domain + 1e-9; i++) ticks.push({ ms: i * step, label: `+${format(i * step)}` });
  return { domain, step, ticks, format };
}
