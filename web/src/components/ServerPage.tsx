import { api } from '../api.js';
import { formatBytes, formatRelative, formatUptime } from '../format.js';
import { useResource } from '../state.js';
import { Badge, Card, ErrorNote, Loading } from './ui.js';

type Row = Record<string, unknown>;
const asRow = (value: unknown): Row => (value && typeof value === 'object' ? (value as Row) : {});

/** Health of lagwatch and what it depends on (`/monitor/server`). */
export function ServerPage() {
  const server = useResource((_range, signal) => api.server(signal), []);
  if (server.error) return <ErrorNote error={server.error} retry={server.reload} />;
  if (!server.data) return <Loading />;
  const data = server.data;
  const memory = asRow(data.memory);
  const source = asRow(data.log_source);
  const database = asRow(data.database);
  const redis = data.redis === null || data.redis === undefined ? undefined : asRow(data.redis);
  const scan = data.last_scan ? asRow(data.last_scan) : undefined;
  const outbox = asRow(data.outbox);
  const ok = (row: Row) => (row.ok === false || row.healthy === false || row.status === 'down' ? 'bad' : 'ok');

  return (
    <div className="page">
      <div className="grid-3">
        <Card title="lagwatch">
          <dl className="facts">
            <dt>Version</dt>
            <dd>{String(data.version ?? '—')}</dd>
            <dt>Uptime</dt>
            <dd>
              {typeof data.uptime_seconds === 'number' ? formatUptime(data.uptime_seconds) : String(data.uptime ?? '—')}
            </dd>
            <dt>Node.js</dt>
            <dd>{String(data.node_version ?? data.node ?? '—')}</dd>
            <dt>Memory (RSS)</dt>
            <dd>
              {typeof memory.rss === 'number'
                ? formatBytes(memory.rss)
                : typeof memory.rss_bytes === 'number'
                  ? formatBytes(memory.rss_bytes)
                  : '—'}
            </dd>
          </dl>
        </Card>
        <Card title="Log source">
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <Badge tone={ok(source)}>{ok(source) === 'ok' ? 'healthy' : 'down'}</Badge>
            </dd>
            <dt>Kind</dt>
            <dd>{String(source.kind ?? '—')}</dd>
            <dt>Detail</dt>
            <dd>{String(source.description ?? source.version ?? source.error ?? '—')}</dd>
          </dl>
        </Card>
        <Card title="State database">
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <Badge tone={ok(database)}>{ok(database) === 'ok' ? 'healthy' : 'down'}</Badge>
            </dd>
            <dt>Driver</dt>
            <dd>{String(database.driver ?? '—')}</dd>
            <dt>Redis</dt>
            <dd>
              {redis ? <Badge tone={ok(redis)}>{ok(redis) === 'ok' ? 'healthy' : 'down'}</Badge> : 'not configured'}
            </dd>
          </dl>
        </Card>
      </div>
      {Array.isArray(data.problems) && data.problems.length > 0 && (
        <div className="note note-error" role="alert">
          <span>{(data.problems as unknown[]).map(String).join(' · ')}</span>
        </div>
      )}
      <Card title="Scanning and alerting">
        <dl className="facts facts-wide">
          <dt>Checkpoint lag</dt>
          <dd>
            {typeof data.checkpoint_lag_seconds === 'number'
              ? `${Math.round(data.checkpoint_lag_seconds)} s behind now`
              : 'no scan yet'}
          </dd>
          <dt>Alerts waiting</dt>
          <dd>{String(outbox.pending ?? '—')}</dd>
          <dt>Load average</dt>
          <dd>
            {Array.isArray(data.load_average)
              ? (data.load_average as number[]).map((n) => n.toFixed(2)).join(' / ')
              : '—'}
          </dd>
          <dt>Host</dt>
          <dd>{String(data.hostname ?? '—')}</dd>
        </dl>
      </Card>
      <Card title="Last scan">
        {scan ? (
          <dl className="facts facts-wide">
            <dt>Status</dt>
            <dd>
              <Badge tone={scan.status === 'failed' ? 'bad' : scan.status === 'success' ? 'ok' : 'muted'}>
                {String(scan.status ?? '—')}
              </Badge>
            </dd>
            <dt>Finished</dt>
            <dd>{formatRelative((scan.finished_at ?? scan.started_at) as string | undefined)}</dd>
            <dt>Logs scanned</dt>
            <dd>{String(scan.logs_scanned ?? '—')}</dd>
            <dt>Violations</dt>
            <dd>{String(scan.violations ?? '—')}</dd>
            <dt>Alerts</dt>
            <dd>{String(scan.alerts ?? '—')}</dd>
            {scan.error ? (
              <>
                <dt>Error</dt>
                <dd className="text-bad">{String(scan.error)}</dd>
              </>
            ) : null}
          </dl>
        ) : (
          <p className="empty">No scan has run yet.</p>
        )}
      </Card>
      <Card title="Everything /monitor/server reports">
        <details>
          <summary>Show raw answer</summary>
          <pre className="raw">{JSON.stringify(data, null, 2)}</pre>
        </details>
      </Card>
    </div>
  );
}
