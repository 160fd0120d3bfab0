import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../api/client.js';
import type { TraceLog } from '../api/types.js';
import { formatMs } from '../format.js';
import { navigate } from '../router.js';
import { useResource } from '../state.js';
import { Card, Empty, ErrorNote, LevelBadge, Loading } from './ui.js';

export function TracePage({ id }: { id?: string }) {
  return (
    <div className="page">
      <Card title="Trace">
        <TraceSearch id={id} />
      </Card>
      {id && <TraceView id={id} />}
    </div>
  );
}

function TraceSearch({ id }: { id?: string }) {
  const [text, setText] = useState(id ?? '');
  useEffect(() => setText(id ?? ''), [id]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) navigate({ page: 'trace', id: text.trim() });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Find a trace">
      <label className="inline-field grow">
        <span>Correlation id</span>
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="e.g. 3f2a9c4e-…"
          spellCheck={false}
        />
      </label>
      <button type="submit" className="button button-primary">
        Show trace
      </button>
    </form>
  );
}

function TraceView({ id }: { id: string }) {
  // A trace does not depend on the time range; the refresh version still reloads it.
  const trace = useResource((_range, signal) => api.trace(id, signal), [id]);
  if (trace.error?.status === 404) {
    return (
      <Card>
        <Empty>No log carries the correlation id {id}.</Empty>
      </Card>
    );
  }
  if (trace.error) return <ErrorNote error={trace.error} retry={trace.reload} />;
  if (!trace.data) return <Loading />;
  if (trace.data.logs.length === 0) return <Empty>No log carries the correlation id {id}.</Empty>;
  return <Waterfall id={id} logs={trace.data.logs} />;
}

function Waterfall({ id, logs }: { id: string; logs: TraceLog[] }) {
  const end = Math.max(...logs.map((l) => l.offset_ms + (l.duration_ms ?? 0)), 1);
  const apps = [...new Set(logs.map((l) => l.app_name ?? '—'))];
  const start = new Date(logs[0]!.time);
  return (
    <Card
      title={
        <>
          {logs.length} log{logs.length === 1 ? '' : 's'} · {formatMs(end)} · {apps.length} app
          {apps.length === 1 ? '' : 's'}
        </>
      }
      actions={<code className="muted trace-id">{id}</code>}
    >
      <p className="muted">
        Started {start.toLocaleString()}. Bars start when each log's work started and last its duration.
      </p>
      <ol className="waterfall" aria-label="Logs of the trace, oldest first">
        {logs.map((log, i) => {
          const left = (log.offset_ms / end) * 100;
          const width = log.duration_ms === null ? 0 : Math.max((log.duration_ms / end) * 100, 0.4);
          const appIndex = apps.indexOf(log.app_name ?? '—') % 6;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: a trace's logs never reorder; two may share every field
            <li key={i} className="waterfall-row" data-testid="trace-log">
              <div className="waterfall-label">
                <span className={`app-dot app-${appIndex}`} aria-hidden="true" />
                <span className="waterfall-app">{log.app_name ?? '—'}</span>
                <code className="waterfall-key">{log.message_key ?? ''}</code>
              </div>
              <div className="waterfall-track">
                {log.duration_ms === null ? (
                  <span className="waterfall-mark" style={{ left: `${left}%` }} title="no duration" />
                ) : (
                  <span className={`waterfall-bar app-${appIndex}`} style={{ left: `${left}%`, width: `${width}%` }} />
                )}
              </div>
              <div className="waterfall-figures">
                <span className="num">{log.duration_ms === null ? '—' : formatMs(log.duration_ms)}</span>
                <span className="muted num">+{formatMs(log.offset_ms)}</span>
                <LevelBadge level={log.level} />
              </div>
              {log.message && <p className="waterfall-message">{log.message}</p>}
            </li>
          );
        })}
      </ol>
    </Card>
  );
}
