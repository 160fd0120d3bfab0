import { useEffect, useMemo, useState } from 'react';
import { api } from '../api/client.js';
import type { AppRule, Bucket, Overview, Timeseries } from '../api/types.js';
import { bucketWidth, formatCount, formatMs, formatPercent } from '../format.js';
import { type Resource, useDashboard, useResource } from '../state.js';
import { resolveRange } from '../time-range.js';
import { AppSelect } from './AppSelect.js';
import { AppsTable, useSortedApps } from './AppsTable.js';
import { Chart, type ChartAxis, type ChartSeries } from './Chart.js';
import { answered, ResourceNote } from './ResourceNote.js';
import { Card, Empty, Loading } from './ui.js';

/** Zooming out never asks for more than this (the server refuses ranges over DASHBOARD_MAX_DAYS, 31 by default). */
const MAX_ZOOM_OUT_MS = 30 * 86_400_000;

export function OverviewPage() {
  const { route, setView } = useDashboard();
  // The App choice lives in the URL and applies to the whole page: cards, levels and charts.
  const app = route.app ?? '';
  const chooseApp = (name: string) => setView({ app: name || undefined });
  const overview = useResource((range, signal) => api.overview(range, signal, app || undefined), [app]);
  // One request serves the table and the App choice (the apps of the table's page).
  const apps = useSortedApps();
  const appNames = useMemo(() => (apps.data?.apps ?? []).map((a) => a.app_name).sort(), [apps.data]);

  return (
    <div className="page">
      <div className="overview-toolbar">
        <AppSelect app={app} apps={appNames} onChange={chooseApp} />
        {app && <span className="muted small">Cards, levels and charts show {app} only.</span>}
      </div>
      <ResourceNote resource={overview} />
      <OverviewCards overview={overview.data} failed={overview.error !== undefined} app={app} />
      <TimeseriesPanel app={app} />
      <div className="grid-2">
        <AppsTable apps={apps} onChart={chooseApp} />
        <LevelsCard overview={overview} app={app} />
      </div>
    </div>
  );
}

function OverviewCards({ overview, failed, app }: { overview: Overview | undefined; failed: boolean; app: string }) {
  const stat = (label: string, value: string, detail: string, tone?: 'bad') => (
    <div className={`stat ${tone === 'bad' ? 'stat-bad' : ''}`}>
      <p className="stat-label">{label}</p>
      <p className="stat-value" data-testid={`stat-${label.toLowerCase().replace(/\s+/g, '-')}`}>
        {value}
      </p>
      <p className="stat-detail">{detail}</p>
    </div>
  );
  if (!overview) {
    // A failed request shows no figure (its error is above), never a zero.
    return (
      <div className="stats" aria-busy={!failed}>
        {['Total logs', 'Active apps', 'Violations', 'Average duration'].map((label) =>
          stat(label, failed ? '—' : '…', failed ? 'not available' : ' '),
        )}
      </div>
    );
  }
  const { violations } = overview;
  return (
    <div className="stats">
      {stat(
        'Total logs',
        formatCount(overview.total_logs),
        app ? `of ${app} in the selected range` : 'in the selected range',
      )}
      {stat(
        'Active apps',
        formatCount(overview.active_apps.total),
        overview.active_apps.apps.slice(0, 3).join(', ') + (overview.active_apps.total > 3 ? ', …' : ''),
      )}
      {stat(
        'Violations',
        formatCount(violations.total),
        `${formatPercent(violations.violation_rate)} of logs · ${formatCount(violations.by_type.app)} app, ${formatCount(violations.by_type.message)} message`,
        violations.total > 0 ? 'bad' : undefined,
      )}
      {stat('Average duration', formatMs(overview.avg_duration.overall_ms), 'over logs that carry a duration')}
    </div>
  );
}

/** The app rule's threshold of the chosen app (none for "All apps" or an app without a rule). */
function useAppThreshold(app: string): AppRule | undefined {
  const [rule, setRule] = useState<AppRule>();
  useEffect(() => {
    setRule(undefined);
    if (!app) return;
    const controller = new AbortController();
    api.appRuleOf(app, controller.signal).then(
      (found) => setRule(found),
      () => undefined, // no line is better than an error banner over the charts
    );
    return () => controller.abort();
  }, [app]);
  return rule;
}

function TimeseriesPanel({ app }: { app: string }) {
  const { range, setRange } = useDashboard();
  const series = useResource((r, signal) => api.series(r, app || undefined, signal), [app]);
  const rule = useAppThreshold(app);
  const data = series.data;
  const buckets = data?.buckets ?? [];
  const times = useMemo(() => buckets.map((b) => Date.parse(b.time)), [buckets]);
  const threshold = rule?.max_duration;
  const charts = useMemo(() => (data ? chartSeries(data, threshold) : undefined), [data, threshold]);
  const width = data ? bucketWidth(data.interval_ms) : undefined;
  const bucketInfo = useMemo(
    () => (data ? { intervalMs: data.interval_ms, from: Date.parse(data.from), to: Date.parse(data.to) } : undefined),
    [data],
  );
  const zoom = (from: Date, to: Date) => setRange({ kind: 'custom', from, to });
  const zoomOut = () => {
    const now = Date.now();
    const current = resolveRange(range, now);
    const span = Math.min(MAX_ZOOM_OUT_MS, (current.to.getTime() - current.from.getTime()) * 2);
    const middle = (current.from.getTime() + current.to.getTime()) / 2;
    const to = Math.min(now, middle + span / 2);
    setRange({ kind: 'custom', from: new Date(to - span), to: new Date(to) });
  };

  return (
    <Card
      title={app ? `Over time · ${app}` : 'Over time · all apps'}
      actions={
        <button type="button" className="button button-small" onClick={zoomOut}>
          Zoom out
        </button>
      }
    >
      <p className="chart-hint muted small">
        {width && <span data-testid="bucket-size">{width.adjective} buckets</span>}
        {width && ' · '}drag across a chart to zoom in; Back returns to the previous range
      </p>
      <ResourceNote resource={series} />
      {!data ? (
        series.error ? null : (
          <Loading />
        )
      ) : !charts || buckets.length === 0 ? (
        answered(series) && <Empty>No logs in this range.</Empty>
      ) : (
        <div className="charts">
          <div>
            <h3 className="chart-title">Logs and violations per {width?.short}</h3>
            <Chart
              times={times}
              series={charts.volume}
              axes={charts.volumeAxes}
              buckets={bucketInfo}
              syncKey="overview"
              onZoom={zoom}
              summary={summarise(buckets, 'volume')}
            />
          </div>
          <div>
            <h3 className="chart-title">Duration per {width?.short}: average and p95</h3>
            <Chart
              times={times}
              series={charts.duration}
              axes={charts.durationAxes}
              buckets={bucketInfo}
              syncKey="overview"
              onZoom={zoom}
              summary={summarise(buckets, 'duration', threshold)}
            />
            {threshold !== undefined && (
              <p className="chart-note" data-testid="threshold-note">
                <span className="threshold-swatch" aria-hidden="true" /> {app}'s threshold {formatMs(threshold)} (app
                rule{rule?.is_active ? '' : ', inactive'})
              </p>
            )}
          </div>
        </div>
      )}
    </Card>
  );
}

interface OverviewCharts {
  volume: ChartSeries[];
  volumeAxes: ChartAxis[];
  duration: ChartSeries[];
  durationAxes: ChartAxis[];
}

function chartSeries(data: Timeseries, threshold: number | undefined): OverviewCharts {
  const { buckets } = data;
  const count = (v: number) => formatCount(Math.round(v));
  const per = bucketWidth(data.interval_ms).short;
  const highest = Math.max(0, threshold ?? 0, ...buckets.map((b) => Math.max(b.p95_ms ?? 0, b.avg_ms ?? 0)));
  // One unit per axis: seconds once durations reach a few of them, else milliseconds.
  const seconds = highest >= 2_000;
  const duration: ChartSeries[] = [
    {
      label: 'Average',
      values: buckets.map((b) => b.avg_ms),
      color: '--chart-2',
      kind: 'area',
      scale: 'ms',
      format: formatMs,
    },
    {
      label: 'p95',
      values: buckets.map((b) => b.p95_ms),
      color: '--chart-3',
      kind: 'line',
      scale: 'ms',
      format: formatMs,
    },
  ];
  if (threshold !== undefined) {
    duration.push({
      label: 'Threshold',
      values: buckets.map(() => threshold),
      color: '--chart-bad',
      kind: 'threshold',
      scale: 'ms',
      format: formatMs,
    });
  }
  return {
    volume: [
      {
        label: 'Logs',
        values: buckets.map((b) => b.logs),
        color: '--chart-1',
        kind: 'area',
        scale: 'logs',
        format: count,
      },
      {
        label: 'Violations',
        values: buckets.map((b) => b.violations),
        color: '--chart-bad',
        kind: 'bars',
        scale: 'violations',
        format: count,
      },
    ],
    volumeAxes: [
      { scale: 'logs', label: `logs / ${per}`, integer: true },
      { scale: 'violations', label: `violations / ${per}`, integer: true },
    ],
    duration,
    durationAxes: [
      seconds ? { scale: 'ms', label: 'duration (s)', divisor: 1000 } : { scale: 'ms', label: 'duration (ms)' },
    ],
  };
}

function summarise(buckets: Bucket[], what: 'volume' | 'duration', threshold?: number): string {
  if (what === 'volume') {
    const logs = buckets.reduce((s, b) => s + b.logs, 0);
    const violations = buckets.reduce((s, b) => s + b.violations, 0);
    return `Chart of ${formatCount(logs)} logs and ${formatCount(violations)} violations over ${buckets.length} time buckets`;
  }
  const worst = Math.max(0, ...buckets.map((b) => b.p95_ms ?? 0));
  const line = threshold === undefined ? '' : `; threshold ${formatMs(threshold)}`;
  return `Chart of average and 95th percentile duration over ${buckets.length} time buckets; highest p95 ${formatMs(worst)}${line}`;
}

const LEVEL_ORDER = ['fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'];

function LevelsCard({ overview: resource, app }: { overview: Resource<Overview>; app: string }) {
  const overview = resource.data;
  const levels = [...(overview?.log_level_distribution ?? [])].sort(
    (a, b) => (LEVEL_ORDER.indexOf(a.level) + 1 || 99) - (LEVEL_ORDER.indexOf(b.level) + 1 || 99),
  );
  const total = levels.reduce((s, l) => s + l.count, 0);
  const moreLevels = overview ? overview.log_level_total - levels.length : 0;
  const apps = [...(overview?.avg_duration.by_app ?? [])].sort((a, b) => (b.avg_ms ?? 0) - (a.avg_ms ?? 0));
  const moreApps = overview ? overview.avg_duration.by_app_total - apps.length : 0;
  const slowest = Math.max(1, ...apps.map((a) => a.avg_ms ?? 0));
  return (
    <Card title={app ? `Levels and averages · ${app}` : 'Levels and averages'}>
      <ResourceNote resource={resource} />
      {!overview ? (
        resource.error ? null : (
          <Loading />
        )
      ) : total === 0 ? (
        answered(resource) && <Empty>No logs in this range.</Empty>
      ) : (
        <ul className="bars" aria-label="Log levels">
          {levels.map((level) => (
            <li key={level.level}>
              <span className="bar-label">{level.level || 'none'}</span>
              <span className="bar-track">
                <span
                  className={`bar-fill level-${level.level}`}
                  style={{ width: `${(level.count / total) * 100}%` }}
                />
              </span>
              <span className="bar-value">{formatCount(level.count)}</span>
            </li>
          ))}
        </ul>
      )}
      {moreLevels > 0 && (
        <p className="muted small" data-testid="more-levels">
          {formatCount(moreLevels)} more levels, less frequent, not shown.
        </p>
      )}
      {apps.length > 0 && (
        <>
          <h3 className="subheading">Average duration by app</h3>
          <ul className="bars" aria-label="Average duration by app">
            {apps.map((app) => (
              <li key={app.app_name}>
                <span className="bar-label">{app.app_name}</span>
                <span className="bar-track">
                  <span className="bar-fill" style={{ width: `${((app.avg_ms ?? 0) / slowest) * 100}%` }} />
                </span>
                <span className="bar-value">{formatMs(app.avg_ms)}</span>
              </li>
            ))}
          </ul>
          {moreApps > 0 && (
            <p className="muted small" data-testid="more-apps">
              The {formatCount(apps.length)} busiest apps; {formatCount(moreApps)} more apps in the Apps table.
            </p>
          )}
        </>
      )}
    </Card>
  );
}
