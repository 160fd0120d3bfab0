import { api } from '../api/client.js';
import type { ServerStatus } from '../api/types.js';
import { formatBytes } from '../format.js';
import { useResource } from '../state.js';
import { Relative, Uptime } from './RelativeTime.js';
import { ResourceNote } from './ResourceNote.js';
import { Badge, Card, Loading } from './ui.js';

/** Health of lagwatch and what it depends on (`/monitor/server`). */
export function ServerPage() {
  const server = useResource((_range, signal) => api.server(signal), [], [], ['scans', 'logs']);
  if (!server.data) return server.error ? <ResourceNote resource={server} /> : <Loading />;
  const data = server.data;
  const { log_source: source, database, redis, last_scan: scan, outbox } = data;
  const ok = (part: { ok: boolean }) => (part.ok ? 'ok' : 'bad');

  return (
    <div className="page">
      <ResourceNote resource={server} />
      <div className="grid-3">
        <Card title="lagwatch">
          <dl className="facts">
            <dt>Version</dt>
            <dd>{data.version}</dd>
            <dt>Uptime</dt>
            <dd>
              <Uptime seconds={data.uptime_seconds} loadedAt={server.loadedAt} />
            </dd>
            <dt>Node.js</dt>
            <dd>{data.node_version}</dd>
            <dt>Memory (RSS)</dt>
            <dd>{formatBytes(data.memory.rss_bytes)}</dd>
          </dl>
        </Card>
        <Card title="Log source">
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <Badge tone={ok(source)}>{ok(source) === 'ok' ? 'healthy' : 'down'}</Badge>
            </dd>
            <dt>Kind</dt>
            <dd>{source.kind}</dd>
            <dt>Detail</dt>
            <dd>{source.description ?? source.version ?? source.error ?? '—'}</dd>
          </dl>
        </Card>
        <Card title="State database">
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <Badge tone={ok(database)}>{ok(database) === 'ok' ? 'healthy' : 'down'}</Badge>
            </dd>
            <dt>Driver</dt>
            <dd>{database.driver}</dd>
            <dt>Redis</dt>
            <dd>
              {redis ? <Badge tone={ok(redis)}>{ok(redis) === 'ok' ? 'healthy' : 'down'}</Badge> : 'not configured'}
            </dd>
          </dl>
        </Card>
      </div>
      {data.problems.length > 0 && (
        <div className="note note-error" role="alert">
          <span>{data.problems.join(' · ')}</span>
        </div>
      )}
      <Card title="Scanning and alerting">
        <dl className="facts facts-wide">
          <dt>Checkpoint lag</dt>
          <dd>
            {data.checkpoint_lag_seconds === null
              ? 'no scan yet'
              : `${Math.round(data.checkpoint_lag_seconds)} s behind now`}
          </dd>
          <dt>Alerts waiting</dt>
          <dd>{outbox.pending}</dd>
          <dt>Load average</dt>
          <dd>{data.load_average.map((n) => n.toFixed(2)).join(' / ')}</dd>
          <dt>Host</dt>
          <dd>{data.hostname}</dd>
        </dl>
      </Card>
      {data.rules_file && <RulesFileCard file={data.rules_file} />}
      <Card title="Last scan">
        {scan ? (
          <dl className="facts facts-wide">
            <dt>Status</dt>
            <dd>
              <Badge tone={scan.status === 'failed' ? 'bad' : scan.status === 'success' ? 'ok' : 'muted'}>
                {scan.status}
              </Badge>
            </dd>
            <dt>Finished</dt>
            <dd>
              <Relative at={scan.finished_at ?? scan.started_at} />
            </dd>
            <dt>Logs scanned</dt>
            <dd>{scan.logs_scanned}</dd>
            <dt>Violations</dt>
            <dd>{scan.violations}</dd>
            <dt>Alerts</dt>
            <dd>{scan.alerts}</dd>
            {scan.error ? (
              <>
                <dt>Error</dt>
                <dd className="text-bad">{scan.error}</dd>
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

type RulesFile = NonNullable<ServerStatus['rules_file']>;

/** RULES_FILE as this process applied it: when, what changed, or the problems that kept it out. */
function RulesFileCard({ file }: { file: RulesFile }) {
  const tone = file.status === 'applied' ? 'ok' : file.status === 'pending' ? 'muted' : 'bad';
  const changes = file.changes;
  return (
    <Card title="Rules file">
      <dl className="facts facts-wide" data-testid="rules-file">
        <dt>File</dt>
        <dd className="break">
          <code>{file.path}</code>
          {file.prune ? ' (prune)' : ''}
        </dd>
        <dt>Status</dt>
        <dd>
          <Badge tone={tone}>{file.status}</Badge>
        </dd>
        <dt>Applied</dt>
        <dd>{file.applied_at ? <Relative at={file.applied_at} /> : 'not yet'}</dd>
        {changes && (
          <>
            <dt>Last apply</dt>
            <dd>
              {changes.created} created, {changes.updated} updated, {changes.deleted} deleted, {changes.released}{' '}
              released, {changes.unchanged} unchanged
            </dd>
          </>
        )}
      </dl>
      {file.status === 'invalid' && (
        <div className="note note-error" role="alert">
          <span>
            The file has problems; nothing was changed and the rules applied before stay (send SIGHUP again once it is
            fixed):
          </span>
          <ul>
            {file.problems.map((p) => (
              <li key={`${p.line}:${p.column}:${p.path}`} className="break">
                <code>
                  {file.path}:{p.line}:{p.column}
                </code>{' '}
                {p.path ? `${p.path}: ` : ''}
                {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {file.status === 'failed' && (
        <div className="note note-error" role="alert">
          <span>The last apply failed and changed nothing: {file.error}</span>
        </div>
      )}
    </Card>
  );
}
