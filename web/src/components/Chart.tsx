import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import '../charts.css';
import { formatAxisNumber, formatDateTime, type TimeZoneMode, zoneLabel } from '../format.js';
import { type ChartEvent, eventTitlesAt, placeEvents } from './chart-events.js';
import { useTimeZoneMode } from './TimeZoneToggle.js';
import { type ChartZoom, ZoomButtons } from './ZoomButtons.js';

export type { ChartEvent } from './chart-events.js';
export type { ChartZoom } from './ZoomButtons.js';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** A CSS custom property of the theme, e.g. `--chart-1`. */
  color: string;
  /** `threshold`: a dashed level line, labelled on the chart. */
  kind: 'line' | 'area' | 'bars' | 'threshold';
  /** Series on the same scale share an axis; the second scale gets the right-hand axis. */
  scale: string;
  /** The legend's value. */
  format: (value: number) => string;
  /** A threshold's words on the chart, e.g. "checkout · POST /pay ≤ 800 ms"; default: label and value. */
  caption?: string;
}

/** The y axis of a scale: its label names the unit ("logs / 5 min", "duration (ms)"). */
export interface ChartAxis {
  scale: string;
  label: string;
  /** Counts: ticks at whole numbers only, and "0" alone when everything is zero. */
  integer?: boolean;
  /** Ticks show value / divisor (1000 for a duration axis in seconds). */
  divisor?: number;
  /** Values may fall below 0 (an overspent error budget): the scale reaches down to the lowest. */
  signed?: boolean;
}

/** A scale from 0 (or the lowest value, when signed and below 0) to a little above the highest. */
function scaleRange(min: number, max: number, signed = false): [number, number] {
  return [signed && min < 0 ? min * 1.1 : 0, max > 0 ? max * 1.1 : 1];
}

/** The buckets behind the points: the ones the range covers only in part are hatched. */
export interface ChartBuckets {
  intervalMs: number;
  /** The range asked for, epoch ms. */
  from: number;
  to: number;
}

/** A moment marked across the chart by a vertical line and its label (an incident's start, its end). */
export interface ChartMarker {
  /** Epoch ms. */
  at: number;
  label: string;
  /** A CSS custom property of the theme, e.g. `--bad`. */
  color: string;
}

interface ChartProps {
  /** Bucket starts, epoch ms. */
  times: number[];
  series: ChartSeries[];
  axes?: ChartAxis[];
  buckets?: ChartBuckets;
  markers?: ChartMarker[];
  /** Silences (bands) and sent alerts (lines) on the time axis, each with its tooltip. */
  events?: ChartEvent[];
  /** Zoom buttons acting on the range; without it the buttons zoom the chart's own time axis. */
  zoom?: ChartZoom;
  /** Called with the index of the bucket clicked (a click, not a drag). */
  onPick?: (index: number) => void;
  /** The chart's name for its zoom buttons ("Zoom in: violations"). */
  name?: string;
  /** Charts with the same key share their crosshair. */
  syncKey?: string;
  /** Called with the window dragged across the chart. */
  onZoom?: (from: Date, to: Date) => void;
  height?: number;
  /** What the chart shows, for screen readers. */
  summary: string;
}

/** The chart the mouse was last pressed on: only it zooms, charts sharing its cursor get a copy of the selection. */
let pressedChart: uPlot | undefined;

/** Drags narrower than this are clicks, not a zoom. */
const MIN_DRAG_PX = 6;
const MIN_ZOOM_MS = 60_000;

function themeColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function withAlpha(color: string, alpha: number): string {
  // Theme colours are hex; uPlot fills want a translucent variant.
  const hex = color.replace('#', '');
  if (hex.length !== 6) return color;
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** Indices of the buckets that start before the range or end after it. */
export function partialBuckets(times: number[], buckets: ChartBuckets | undefined): Set<number> {
  const partial = new Set<number>();
  if (!buckets) return partial;
  times.forEach((start, i) => {
    if (start < buckets.from || start + buckets.intervalMs > buckets.to) partial.add(i);
  });
  return partial;
}

/** Whole-number steps for count axes: 1, 2, 5, 10, 20, 50 … */
const INTEGER_INCRS = Array.from({ length: 30 }, (_, i) => [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3));

function hatchPattern(ctx: CanvasRenderingContext2D, color: string): CanvasPattern | string {
  const size = Math.round(8 * uPlot.pxRatio);
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const t = tile.getContext('2d');
  if (!t) return withAlpha(color, 0.15);
  t.strokeStyle = withAlpha(color, 0.6);
  t.lineWidth = uPlot.pxRatio;
  t.beginPath();
  t.moveTo(0, size);
  t.lineTo(size, 0);
  t.moveTo(-size / 2, size / 2);
  t.lineTo(size / 2, -size / 2);
  t.moveTo(size / 2, size * 1.5);
  t.lineTo(size * 1.5, size / 2);
  t.stroke();
  return ctx.createPattern(tile, 'repeat') ?? withAlpha(color, 0.15);
}

interface Live {
  series: ChartSeries[];
  markers?: ChartMarker[];
  events?: ChartEvent[];
  onPick?: (index: number) => void;
  partial: Set<number>;
  buckets?: ChartBuckets;
  onZoom?: ChartProps['onZoom'];
}

function buildOptions(
  width: number,
  height: number,
  props: ChartProps,
  live: { current: Live },
  zone: TimeZoneMode,
): uPlot.Options {
  const { series } = props;
  const axisColor = themeColor('--text-muted');
  const gridColor = themeColor('--border');
  const surface = themeColor('--surface');
  const scales = [...new Set(series.map((s) => s.scale))];
  const dual = scales.length > 1;
  const sideWords = (scale: string) => (scales.indexOf(scale) === 0 ? 'left axis' : 'right axis');
  // With two scales each axis takes the colour of its first series, so the legend's swatch names its axis.
  const axisStroke = (scale: string) => {
    const first = series.find((s) => s.scale === scale && s.kind !== 'threshold');
    return dual && first ? themeColor(first.color) : axisColor;
  };
  const axisOf = (scale: string): ChartAxis => props.axes?.find((a) => a.scale === scale) ?? { scale, label: '' };
  const bars = uPlot.paths.bars?.({ size: [0.7, 40], gap: 1 });
  let lastZoom = '';

  const drawPartial = (u: uPlot) => {
    const { partial, buckets } = live.current;
    if (!buckets || partial.size === 0) return;
    const xs = u.data[0];
    const { ctx, bbox } = u;
    ctx.save();
    ctx.beginPath();
    ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
    ctx.clip();
    const hatch = hatchPattern(ctx, axisColor);
    for (const i of partial) {
      const at = xs[i];
      if (at === undefined) continue;
      const half = Math.abs(u.valToPos(at + buckets.intervalMs / 1000, 'x', true) - u.valToPos(at, 'x', true)) / 2;
      const x = u.valToPos(at, 'x', true);
      const left = Math.max(bbox.left, x - half);
      const right = Math.min(bbox.left + bbox.width, x + half);
      ctx.fillStyle = withAlpha(surface, 0.45);
      ctx.fillRect(left, bbox.top, right - left, bbox.height);
      ctx.fillStyle = hatch;
      ctx.fillRect(left, bbox.top, right - left, bbox.height);
    }
    ctx.restore();
  };

  const labelThresholds = (u: uPlot) => {
    for (const s of live.current.series) {
      if (s.kind !== 'threshold') continue;
      const value = s.values.find((v) => v !== null);
      if (value === undefined || value === null) continue;
      const { ctx, bbox } = u;
      const y = u.valToPos(value, s.scale, true);
      ctx.save();
      ctx.font = `${Math.round(11 * uPlot.pxRatio)}px system-ui, sans-serif`;
      ctx.fillStyle = themeColor(s.color);
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      ctx.fillText(
        s.caption ?? `${s.label} ${s.format(value)}`,
        bbox.left + bbox.width - 4 * uPlot.pxRatio,
        y - 3 * uPlot.pxRatio,
      );
      ctx.restore();
    }
  };

  const drawMarkers = (u: uPlot) => {
    const { ctx, bbox } = u;
    for (const marker of live.current.markers ?? []) {
      const x = u.valToPos(marker.at / 1000, 'x', true);
      if (x < bbox.left || x > bbox.left + bbox.width) continue;
      const color = themeColor(marker.color);
      ctx.save();
      ctx.strokeStyle = color;
      ctx.lineWidth = uPlot.pxRatio;
      ctx.setLineDash([2 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
      ctx.font = `${Math.round(11 * uPlot.pxRatio)}px system-ui, sans-serif`;
      ctx.fillStyle = color;
      ctx.textBaseline = 'top';
      // Labels near the right edge go to the line's left so they stay inside the plot.
      const right = x > bbox.left + bbox.width * 0.75;
      ctx.textAlign = right ? 'right' : 'left';
      ctx.fillText(marker.label, x + (right ? -4 : 4) * uPlot.pxRatio, bbox.top + 2 * uPlot.pxRatio);
      ctx.restore();
    }
  };

  return {
    width,
    height,
    ...(zone === 'utc' ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
    cursor: {
      drag: { x: Boolean(props.onZoom), y: false, setScale: false },
      points: { size: 7 },
      ...(props.syncKey ? { sync: { key: props.syncKey } } : {}),
    },
    select: { show: true, left: 0, top: 0, width: 0, height: 0 },
    legend: { live: true },
    scales: {
      x: { time: true },
      ...Object.fromEntries(
        scales.map((s) => [
          s,
          { range: (_u: uPlot, min: number, max: number) => scaleRange(min, max, axisOf(s).signed) },
        ]),
      ),
    },
    series: [
      {
        label: 'Time',
        value: (_u, v, _s, idx) =>
          v === null
            ? '—'
            : `${formatDateTime(v * 1000)}${idx !== null && live.current.partial.has(idx) ? ' (partial bucket)' : ''}`,
      },
      ...series.map((s): uPlot.Series => {
        const color = themeColor(s.color);
        return {
          label: dual ? `${s.label} (${sideWords(s.scale)})` : s.label,
          scale: s.scale,
          stroke: color,
          width: s.kind === 'bars' ? 0 : s.kind === 'threshold' ? 1.5 : 2,
          dash: s.kind === 'threshold' ? [6, 4] : undefined,
          fill:
            s.kind === 'line' || s.kind === 'threshold' ? undefined : withAlpha(color, s.kind === 'bars' ? 0.75 : 0.14),
          paths: s.kind === 'bars' ? bars : undefined,
          points: { show: false },
          spanGaps: s.kind === 'threshold',
          value: (_u, v) => (v === null || v === undefined ? '—' : s.format(v)),
        };
      }),
    ],
    axes: [
      {
        stroke: axisColor,
        grid: { stroke: gridColor, width: 1 },
        ticks: { stroke: gridColor },
        label: `time (${zoneLabel()})`,
        labelSize: 18,
        labelFont: '11px system-ui, sans-serif',
      },
      ...scales.map((scale, i): uPlot.Axis => {
        const axis = axisOf(scale);
        const divisor = axis.divisor ?? 1;
        return {
          scale,
          side: i === 0 ? 3 : 1,
          stroke: axisStroke(scale),
          grid: { show: i === 0, stroke: gridColor, width: 1 },
          ticks: { show: false },
          size: 52,
          label: dual ? `${axis.label} · ${sideWords(scale)}` : axis.label,
          labelSize: 18,
          labelFont: '11px system-ui, sans-serif',
          ...(axis.integer
            ? {
                incrs: INTEGER_INCRS,
                // Nothing to count: one "0", not 0 … 1 in fractions.
                splits: (_u: uPlot, _axis: number, min: number, max: number, incr: number) => {
                  const values = live.current.series.filter((s) => s.scale === scale).flatMap((s) => s.values);
                  if (!values.some((v) => v !== null && v > 0)) return [0];
                  const splits: number[] = [];
                  for (let v = Math.ceil(min / incr) * incr; v <= max + incr * 1e-9; v += incr) splits.push(v);
                  return splits;
                },
              }
            : {}),
          values: (_u, splits) => splits.map((v) => formatAxisNumber(v / divisor)),
        };
      }),
    ],
    hooks: {
      init: [
        (u) => {
          let downX = 0;
          u.over.addEventListener('mousedown', (event) => {
            pressedChart = u;
            downX = event.clientX;
          });
          // The tooltip names the silences and alerts under the mouse.
          u.over.addEventListener('mousemove', (event) => {
            const x = event.clientX - u.over.getBoundingClientRect().left;
            const titles = eventTitlesAt(u, live.current.events ?? [], x);
            if (titles.length > 0) u.over.title = titles.join('\n');
            else u.over.removeAttribute('title');
          });
          // A click (not a drag) picks the bucket under the cursor.
          u.over.addEventListener('click', (event) => {
            const index = u.cursor.idx;
            if (Math.abs(event.clientX - downX) >= MIN_DRAG_PX || index === null || index === undefined) return;
            live.current.onPick?.(index);
          });
        },
      ],
      draw: [drawPartial, labelThresholds, drawMarkers, (u) => placeEvents(u, live.current.events ?? [])],
      setSelect: [
        (u) => {
          const { left, width } = u.select;
          const own = pressedChart === u;
          if (width === 0) return;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          if (!own || width < MIN_DRAG_PX || !live.current.onZoom) return;
          let from = Math.round(u.posToVal(left, 'x') * 1000);
          let to = Math.round(u.posToVal(left + width, 'x') * 1000);
          if (to - from < MIN_ZOOM_MS) {
            const middle = (from + to) / 2;
            from = Math.round(middle - MIN_ZOOM_MS / 2);
            to = from + MIN_ZOOM_MS;
          }
          // Charts with a shared cursor may each report the same drag.
          const key = `${from}-${to}`;
          if (key === lastZoom) return;
          lastZoom = key;
          live.current.onZoom(new Date(from), new Date(to));
        },
      ],
    },
  };
}

/** Extra fields the tests read: the uPlot instance behind a `.chart` element. */
export type ChartElement = HTMLDivElement & { uplot?: uPlot };

/** Halves (zoom in) or doubles (zoom out) a span around its middle. */
export function scaledSpan(from: number, to: number, factor: number): [number, number] {
  const middle = (from + to) / 2;
  const half = ((to - from) * factor) / 2;
  return [Math.round(middle - half), Math.round(middle + half)];
}

/** What the tests and screen readers can read about the chart: thresholds drawn, axes and their sides. */
function chartFacts(series: ChartSeries[], axes: ChartAxis[] | undefined) {
  const scales = [...new Set(series.map((s) => s.scale))];
  const thresholds = series
    .filter((s) => s.kind === 'threshold')
    .map((s) => {
      const value = s.values.find((v) => v !== null);
      return s.caption ?? `${s.label}${value === undefined || value === null ? '' : ` ${s.format(value)}`}`;
    });
  const sides = scales.map((scale, i) => ({
    side: i === 0 ? 'left' : 'right',
    label: axes?.find((a) => a.scale === scale)?.label ?? scale,
  }));
  return { thresholds, sides };
}

/**
 * A uPlot time chart that follows its container's width, the colour scheme and the time zone
 * mode; hatches partial buckets, may share its crosshair and zoom by dragging or by its buttons.
 */
export function Chart(props: ChartProps) {
  const { times, series, height = 220, summary, buckets } = props;
  const container = useRef<ChartElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zone = useTimeZoneMode();
  const partial = partialBuckets(times, buckets);
  const live = useRef<Live>({ series, partial });
  live.current = {
    series,
    markers: props.markers,
    events: props.events,
    onPick: props.onPick,
    partial,
    buckets,
    onZoom: props.onZoom,
  };
  // The chart's own zoom (charts not tied to the page's range): the x window shown, undefined for all.
  const [ownWindow, setOwnWindow] = useState<[number, number]>();
  const shape = [
    series.map((s) => `${s.label}:${s.kind}:${s.scale}:${s.color}`).join('|'),
    (props.axes ?? []).map((a) => `${a.scale}:${a.label}:${a.integer}:${a.divisor}:${a.signed}`).join('|'),
    props.syncKey,
    Boolean(props.onZoom),
  ].join('#');

  // (Re)create when the series' shape, the colour scheme or the zone changes; data updates reuse the plot.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `shape` stands for the props' structure
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const create = () => {
      plot.current?.destroy();
      const data = [times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData;
      plot.current = new uPlot(buildOptions(element.clientWidth || 600, height, props, live, zone), data, element);
      element.uplot = plot.current;
    };
    create();
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', create);
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', create);
      if (pressedChart === plot.current) pressedChart = undefined;
      plot.current?.destroy();
      plot.current = null;
      element.uplot = undefined;
    };
  }, [shape, height, zone]);

  useEffect(() => {
    plot.current?.setData([times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData);
    setOwnWindow(undefined);
  }, [times, series]);

  // Events and markers change without new data: draw again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the draw hooks read them through `live`
  useEffect(() => {
    plot.current?.redraw(false, false);
  }, [props.events, props.markers]);

  useEffect(() => {
    const u = plot.current;
    if (!u || times.length === 0) return;
    const [min, max] = ownWindow ?? [times[0]!, times[times.length - 1]!];
    u.setScale('x', { min: min / 1000, max: max / 1000 });
  }, [ownWindow, times]);

  const ownZoom = (): ChartZoom => {
    const first = times[0] ?? 0;
    const last = times[times.length - 1] ?? 0;
    const [from, to] = ownWindow ?? [first, last];
    return {
      zoomIn: () => setOwnWindow(scaledSpan(from, to, 0.5)),
      zoomOut: () => {
        const [a, b] = scaledSpan(from, to, 2);
        setOwnWindow(a <= first && b >= last ? undefined : [Math.max(first, a), Math.min(last, b)]);
      },
      reset: ownWindow ? () => setOwnWindow(undefined) : undefined,
    };
  };

  const { thresholds, sides } = chartFacts(series, props.axes);
  const dual = sides.length > 1;
  const eventKinds = new Set((props.events ?? []).map((e) => e.kind));
  return (
    <div className="chart-block">
      <div className="chart-toolbar">
        <ZoomButtons zoom={props.zoom ?? ownZoom()} name={props.name ?? 'chart'} />
      </div>
      <div
        className="chart"
        ref={container}
        role="img"
        aria-label={summary}
        data-thresholds={JSON.stringify(thresholds)}
        data-axes={JSON.stringify(sides)}
        data-events={(props.events ?? []).length}
      />
      {dual && (
        <p className="chart-note chart-axes-note" data-testid="axes-note">
          Two scales, each from 0: left axis {sides[0]!.label}, right axis {sides[1]!.label} on its own scale; bar
          heights do not compare across the axes.
        </p>
      )}
      {eventKinds.size > 0 && (
        <p className="chart-note chart-events-legend" data-testid="events-legend">
          {eventKinds.has('silence') && (
            <span>
              <span className="event-swatch event-swatch-silence" aria-hidden="true" /> silence (notifications held
              back)
            </span>
          )}
          {eventKinds.has('alert') && (
            <span>
              <span className="event-swatch event-swatch-alert" aria-hidden="true" /> alert sent
            </span>
          )}
          <span className="muted">· hover a mark for details</span>
        </p>
      )}
      {partial.size > 0 && (
        <p className="chart-note" data-testid="partial-note">
          <span className="hatch-swatch" aria-hidden="true" /> partial bucket: the range covers only part of it
        </p>
      )}
    </div>
  );
}
