import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** A CSS custom property of the theme, e.g. `--chart-1`. */
  color: string;
  kind: 'line' | 'area' | 'bars';
  /** Series on the same scale share an axis; the second scale gets the right-hand axis. */
  scale: string;
  format: (value: number) => string;
}

interface ChartProps {
  /** Bucket starts, epoch ms. */
  times: number[];
  series: ChartSeries[];
  height?: number;
  /** What the chart shows, for screen readers. */
  summary: string;
}

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

function buildOptions(width: number, height: number, series: ChartSeries[]): uPlot.Options {
  const axisColor = themeColor('--text-muted');
  const gridColor = themeColor('--border');
  const scales = [...new Set(series.map((s) => s.scale))];
  const bars = uPlot.paths.bars?.({ size: [0.7, 40], gap: 1 });
  return {
    width,
    height,
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    legend: { live: true },
    scales: {
      x: { time: true },
      ...Object.fromEntries(scales.map((s) => [s, { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] }])),
    },
    series: [
      { label: 'Time', value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toLocaleString()) },
      ...series.map((s): uPlot.Series => {
        const color = themeColor(s.color);
        return {
          label: s.label,
          scale: s.scale,
          stroke: color,
          width: s.kind === 'bars' ? 0 : 2,
          fill: s.kind === 'line' ? undefined : withAlpha(color, s.kind === 'bars' ? 0.75 : 0.14),
          paths: s.kind === 'bars' ? bars : undefined,
          points: { show: false },
          spanGaps: false,
          value: (_u, v) => (v === null || v === undefined ? '—' : s.format(v)),
        };
      }),
    ],
    axes: [
      { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } },
      ...scales.map(
        (scale, i): uPlot.Axis => ({
          scale,
          side: i === 0 ? 3 : 1,
          stroke: axisColor,
          grid: { show: i === 0, stroke: gridColor, width: 1 },
          ticks: { show: false },
          size: 64,
          values: (_u, splits) => splits.map((v) => series.find((s) => s.scale === scale)!.format(v)),
        }),
      ),
    ],
  };
}

/** A uPlot time chart that follows its container's width and the colour scheme. */
export function Chart({ times, series, height = 220, summary }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.kind}:${s.scale}:${s.color}`).join('|');

  // (Re)create when the series' shape or the colour scheme changes; data updates reuse the plot.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `shape` stands for `series`' structure
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const create = () => {
      plot.current?.destroy();
      const data = [times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData;
      plot.current = new uPlot(buildOptions(element.clientWidth || 600, height, series), data, element);
    };
    create();
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', create);
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', create);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData([times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);

  return <div className="chart" ref={container} role="img" aria-label={summary} />;
}
