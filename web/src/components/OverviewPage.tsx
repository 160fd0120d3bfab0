import { useMemo, useState } from 'react';
import { api } from '../api/client.js';
import type { Bucket, Overview } from '../api/types.js';
import { formatCount, formatMs, formatPercent } from '../format.js';
import { useResource } from '../state.js';
import { AppSelect } from './AppSelect.js';
import { AppsTable } from './AppsTable.js';
import { Chart, type ChartSeries } from './Chart.js';
import { Card, Empty, ErrorNote, Loading } from './ui.js';

export function OverviewPage() {
  const overview = useResource((range, signal) => api.overview(range, signal), []);
  const apps = useResource((range, signal) => api.apps(range, signal), []);
  const [chartApp, setChartApp] = useState('');

  return (
    <div className="page">
      <ErrorNote error={overview.error} retry={overview.reload} />
      <OverviewCards overview={overview.data} />
      <TimeseriesPanel app={chartApp} onApp={setChartApp} apps={apps.data?.map((a) => a.app_name) ?? []} />
      <div className="grid-2">
        <AppsTable onChart={setChartApp} />
        <LevelsCard overview={overview.data} />
      </div>
    </div>
  );
}

function OverviewCards({ overview }: { overview: Overview | undefined }) {
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
    return (
      <div className="stats" aria-busy="true">
        {['Total logs', 'Active apps', 'Violations', 'Average duration'].map((label) => stat(label, '…', ' '))}
      </div>
    );
  }
  const { violations } = overview;
  return (
    <div className="stats">
      {stat('Total logs', formatCount(overview.total_logs), 'in the selected range')}
      {stat(
        'Active apps',
        formatCount(overview.active_apps.total),
        overview.active_apps.apps.slice(0, 3).join(', ') + (overview.active_apps.apps.length > 3 ? ', …' : ''),
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

function TimeseriesPanel({ app, onApp, apps }: { app: string; onApp: (app: string) => void; apps: string[] }) {
  const series = useResource((range, signal) => api.timeseries(range, app || undefined, signal), [app]);
  const buckets = series.data ?? [];
  const times = useMemo(() => buckets.map((b) => Date.parse(b.time)), [buckets]);
  const charts = useMemo(() => chartSeries(buckets), [buckets]);
  return (
    <Card
      title={app ? `Over time · ${app}` : 'Over time · all apps'}
      actions={<AppSelect app={app} apps={apps} onChange={onApp} />}
    >
      <ErrorNote error={series.error} retry={series.reload} />
      {!series.data && series.loading ? (
        <Loading />
      ) : buckets.length === 0 ? (
        <Empty>No logs in this range.</Empty>
      ) : (
        <div className="charts">
          <div>
            <h3 className="chart-title">Logs and violations</h3>
            <Chart times={times} series={charts.volume} summary={summarise(buckets, 'volume')} />
          </div>
          <div>
            <h3 className="chart-title">Duration</h3>
            <Chart times={times} series={charts.duration} summary={summarise(buckets, 'duration')} />
          </div>
        </div>
      )}
    </Card>
  );
}

function chartSeries(buckets: Bucket[]): { volume: ChartSeries[]; duration: ChartSeries[] } {
  const count = (v: number) => formatCount(Math.round(v));
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
    duration: [
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
    ],
  };
}

function summarise(buckets: Bucket[], what: 'volume' | 'duration'): string {
  if (what === 'volume') {
    const logs = buckets.reduce((s, b) => s + b.logs, 0);
    const violations = buckets.reduce((s, b) => s + b.violations, 0);
    return `Chart of ${formatCount(logs)} logs and ${formatCount(violations)} violations over ${buckets.length} time buckets`;
  }
  const worst = Math.max(0, ...buckets.map((b) => b.p95_ms ?? 0));
  return `Chart of average and 95th percentile duration over ${buckets.length} time buckets; highest p95 ${formatMs(worst)}`;
}

const LEVEL_ORDER = ['fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'];

function LevelsCard({ overview }: { overview: Overview | undefined }) {
  const levels = [...(overview?.log_level_distribution ?? [])].sort(
    (a, b) => (LEVEL_ORDER.indexOf(a.level) + 1 || 99) - (LEVEL_ORDER.indexOf(b.level) + 1 || 99),
  );
  const total = levels.reduce((s, l) => s + l.count, 0);
  const apps = [...(overview?.avg_duration.by_app ?? [])].sort((a, b) => (b.avg_ms ?? 0) - (a.avg_ms ?? 0));
  const slowest = Math.max(1, ...apps.map((a) => a.avg_ms ?? 0));
  return (
    <Card title="Levels and averages">
      {total === 0 ? (
        <Empty>No logs in this range.</Empty>
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
        </>
      )}
    </Card>
  );
}
