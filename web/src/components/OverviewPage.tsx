import { useMemo, useState } from 'react';
import { api } from '../api/client.js';
import type { AppStats, Bucket, KeyStats, Overview } from '../api/types.js';
import { formatCount, formatMs, formatPercent } from '../format.js';
import { href } from '../router.js';
import { useResource } from '../state.js';
import { AppSelect } from './AppSelect.js';
import { Chart, type ChartSeries } from './Chart.js';
import { type Column, TableHeader } from './TableHeader.js';
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
        <AppsTable apps={apps.data} loading={apps.loading} error={apps.error} onChart={setChartApp} />
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

/** Columns (and their cells) the apps table shares with each app's table of slowest message keys. */
const TIMING_COLUMNS: Column[] = [
  { label: 'Logs', className: 'num' },
  { label: 'Avg', className: 'num' },
  { label: 'p95', className: 'num' },
];

function TimingCells({ logs, stats }: { logs: number; stats: Pick<KeyStats, 'avg_ms' | 'p95_ms'> }) {
  return (
    <>
      <td className="num">{formatCount(logs)}</td>
      <td className="num">{formatMs(stats.avg_ms)}</td>
      <td className="num">{formatMs(stats.p95_ms)}</td>
    </>
  );
}

function AppsTable({
  apps,
  loading,
  error,
  onChart,
}: {
  apps: AppStats[] | undefined;
  loading: boolean;
  error: ReturnType<typeof useResource>['error'];
  onChart: (app: string) => void;
}) {
  const [open, setOpen] = useState<string>();
  return (
    <Card title="Apps" className="span-wide">
      <ErrorNote error={error} />
      {!apps && loading ? (
        <Loading />
      ) : !apps || apps.length === 0 ? (
        <Empty>No app has logged in this range.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Apps">
            <TableHeader
              columns={[
                'App',
                ...TIMING_COLUMNS,
                { label: 'Worst', className: 'num hide-narrow' },
                { label: 'Violations', className: 'num' },
              ]}
            />
            <tbody>
              {apps.map((app) => (
                <AppRow
                  key={app.app_name}
                  app={app}
                  open={open === app.app_name}
                  onToggle={() => setOpen(open === app.app_name ? undefined : app.app_name)}
                  onChart={() => onChart(app.app_name)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function AppRow({
  app,
  open,
  onToggle,
  onChart,
}: {
  app: AppStats;
  open: boolean;
  onToggle: () => void;
  onChart: () => void;
}) {
  return (
    <>
      <tr>
        <th scope="row">
          <button type="button" className="disclosure" aria-expanded={open} onClick={onToggle}>
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {app.app_name}
          </button>
        </th>
        <TimingCells logs={app.logs} stats={app} />
        <td className="num hide-narrow">{formatMs(app.max_ms)}</td>
        <td className="num">
          {app.violations > 0 ? (
            <a href={href({ page: 'violations', app: app.app_name })} className="text-bad">
              {formatCount(app.violations)} <span className="muted">({formatPercent(app.violation_rate)})</span>
            </a>
          ) : (
            <span className="muted">0</span>
          )}
        </td>
      </tr>
      {open && (
        <tr className="detail-row">
          <td colSpan={6}>
            <div className="detail">
              <div className="detail-head">
                <strong>Slowest message keys</strong>
                <button type="button" className="button button-small" onClick={onChart}>
                  Chart this app
                </button>
              </div>
              {app.slowest_message_keys.length === 0 ? (
                <Empty>No timed logs.</Empty>
              ) : (
                <table className="table table-compact" aria-label={`Slowest message keys of ${app.app_name}`}>
                  <TableHeader columns={['Message key', ...TIMING_COLUMNS, { label: 'Worst', className: 'num' }]} />
                  <tbody>
                    {app.slowest_message_keys.map((key) => (
                      <tr key={key.message_key}>
                        <td>
                          <a href={href({ page: 'violations', app: app.app_name, key: key.message_key })}>
                            <code>{key.message_key}</code>
                          </a>
                        </td>
                        <TimingCells logs={key.count} stats={key} />
                        <td className="num">{formatMs(key.max_ms)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </td>
        </tr>
      )}
    </>
  );
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
