import { type FormEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { api } from '../api/client.js';
import type { SlowestTrace, TraceLog } from '../api/types.js';
import { formatCount, formatDateTime, formatMs, formatTime } from '../format.js';
import { href, navigate } from '../router.js';
import { useDashboard, useResource } from '../state.js';
import { describeRange } from '../time-range.js';
import { AppSelect } from './AppSelect.js';
import { answered, ResourceNote } from './ResourceNote.js';
import { TableHeader } from './TableHeader.js';
import { type TraceAxis, traceAxis } from './trace-axis.js';
import { Card, Empty, LevelBadge, Loading } from './ui.js';

const SLOWEST_LIMIT = 20;

export function TracePage({ id }: { id?: string }) {
  return (
    <div className="page">
      <Card
        title="Trace"
        actions={
          id ? (
            <a className="button button-small" href={href({ page: 'trace' })}>
              Slowest traces
            </a>
          ) : undefined
        }
      >
        <TraceSearch id={id} />
      </Card>
      {id ? <TraceView id={id} /> : <SlowestTraces />}
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

/**
 * Text cut with an ellipsis when it does not fit: complete in the tooltip, and, when cut,
 * focusable by keyboard, where it shows in full.
 */
function Clipped({ text, className }: { text: string; className: string }) {
  const ref = useRef<HTMLElement>(null);
  const [cut, setCut] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: new text may be cut differently at the same size
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const check = () => {
      // While focused it shows in full; keep it focusable until focus leaves.
      if (document.activeElement !== element) setCut(element.scrollWidth > element.clientWidth + 1);
    };
    check();
    const observer = new ResizeObserver(check);
    observer.observe(element);
    element.addEventListener('blur', check);
    return () => {
      observer.disconnect();
      element.removeEventListener('blur', check);
    };
  }, [text]);
  return (
    <code ref={ref} className={`clipped ${className}`} title={text} tabIndex={cut ? 0 : undefined}>
      {text}
    </code>
  );
}

function SlowestTraces() {
  // The App filter lives in the URL: it comes from Overview and goes on to Violations.
  const { range, route, setView } = useDashboard();
  const app = route.app ?? '';
  const setApp = (name: string) => setView({ app: name || undefined }, { replace: true });
  const apps = useResource((r, signal) => api.apps(r, signal, undefined, 1, 500), []);
  const traces = useResource(
    (r, signal) => api.slowestTraces({ app_name: app || undefined, limit: SLOWEST_LIMIT }, r, signal),
    [app],
  );
  // The apps with the most violations (then slowest p95) of the range, a page of them.
  const appNames = apps.data?.apps.map((a) => a.app_name) ?? [];
  return (
    <Card
      title={<>Slowest traces · {describeRange(range)}</>}
      actions={<AppSelect app={app} apps={appNames} onChange={setApp} />}
    >
      <p className="muted card-intro">
        The correlation ids with the worst log durations in this range{app ? ` (logs of ${app})` : ''}, slowest first.
        Pick one to see its waterfall.
      </p>
      <ResourceNote resource={traces} />
      {!traces.data ? (
        traces.error ? null : (
          <Loading />
        )
      ) : traces.data.length === 0 ? (
        answered(traces) && (
          <Empty>No log with a correlation id and a duration in this range{app ? ` for ${app}` : ''}.</Empty>
        )
      ) : (
        <SlowestTable traces={traces.data} />
      )}
    </Card>
  );
}

function SlowestTable({ traces }: { traces: SlowestTrace[] }) {
  return (
    <div className="table-wrap">
      <table className="table slowest-traces" aria-label="Slowest traces">
        <TableHeader
          columns={[
            { label: 'Correlation id', className: 'col-trace' },
            { label: 'Slowest log', className: 'col-slowest' },
            { label: 'Worst', className: 'num col-worst' },
            { label: 'Logs', className: 'num hide-narrow col-logs' },
            { label: 'Time', className: 'hide-narrow col-time' },
          ]}
        />
        <tbody>
          {traces.map((t) => (
            <tr key={t.correlation_id} data-testid="slowest-trace">
              <td className="col-trace">
                <a
                  className="clipped trace-link"
                  href={href({ page: 'trace', id: t.correlation_id })}
                  title={t.correlation_id}
                >
                  {t.correlation_id}
                </a>
              </td>
              <td className="col-slowest">
                <span className="slowest-app">{t.app_name ?? '—'}</span>
                <Clipped text={t.message_key ?? '—'} className="slowest-key" />
              </td>
              <td className="num col-worst">{formatMs(t.max_duration_ms)}</td>
              <td className="num hide-narrow col-logs">{formatCount(t.logs)}</td>
              <td className="nowrap hide-narrow col-time">
                <time dateTime={t.time} title={t.time}>
                  {formatTime(t.time)}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
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
  if (trace.error) return <ResourceNote resource={trace} />;
  if (!trace.data) return <Loading />;
  if (trace.data.logs.length === 0) return <Empty>No log carries the correlation id {id}.</Empty>;
  return <Waterfall id={id} logs={trace.data.logs} truncated={trace.data.truncated} />;
}

const ruleName = (v: NonNullable<TraceLog['violation']>) =>
  `${v.rule_type === 'app' ? 'app' : 'message'} rule #${v.rule_id}`;

function Waterfall({ id, logs, truncated }: { id: string; logs: TraceLog[]; truncated: boolean }) {
  const span = Math.max(...logs.map((l) => l.end_offset_ms), 0);
  const axis = traceAxis(span);
  const apps = [...new Set(logs.map((l) => l.app_name ?? '—'))];
  const violating = logs.filter((l) => l.violation).length;
  const start = new Date(logs[0]!.time);
  const pct = (ms: number) => `${Math.min(100, (ms / axis.domain) * 100)}%`;
  const grid = { backgroundSize: `${(axis.step / axis.domain) * 100}% 100%` };
  return (
    <Card
      title={
        <>
          {logs.length} log{logs.length === 1 ? '' : 's'} · {formatMs(span)} · {apps.length} app
          {apps.length === 1 ? '' : 's'}
          {violating > 0 && (
            <span className="text-bad">
              {' '}
              · {violating} violation{violating === 1 ? '' : 's'}
            </span>
          )}
        </>
      }
      actions={<code className="muted trace-id">{id}</code>}
    >
      <p className="muted">
        Started <time dateTime={start.toISOString()}>{formatDateTime(start)}</time>. Each bar starts at its log's time
        and lasts its duration; offsets count from the first log.
        {truncated && ' Only the first logs of this trace are shown.'}
      </p>
      <div className="waterfall-axis" aria-hidden="true">
        <span className="waterfall-axis-label">App · message key</span>
        <AxisTicks axis={axis} />
        <span className="waterfall-axis-figures">Duration · start</span>
      </div>
      <ol className="waterfall" aria-label="Logs of the trace, oldest first">
        {logs.map((log, i) => {
          const appIndex = apps.indexOf(log.app_name ?? '—') % 6;
          const v = log.violation;
          const key = log.message_key ?? '';
          const describe =
            log.duration_ms === null
              ? `no duration, at +${axis.format(log.offset_ms)}`
              : `${formatMs(log.duration_ms)} from +${axis.format(log.offset_ms)} to +${axis.format(log.end_offset_ms)}${
                  v ? `, over the ${formatMs(v.threshold_ms)} threshold of ${ruleName(v)}` : ''
                }`;
          return (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: a trace's logs never reorder; two may share every field
              key={i}
              className={`waterfall-row${v ? ' is-violation' : ''}`}
              data-testid="trace-log"
              data-violation={v ? 'true' : undefined}
            >
              <div className="waterfall-label">
                <span className={`app-dot app-${appIndex}`} aria-hidden="true" />
                <span className="waterfall-app" title={log.app_name ?? undefined}>
                  {log.app_name ?? '—'}
                </span>
                <Clipped text={key} className="waterfall-key" />
              </div>
              <div className="waterfall-track" style={grid} role="img" aria-label={describe} title={describe}>
                {log.duration_ms === null ? (
                  <span className="waterfall-mark" style={{ left: pct(log.offset_ms) }} />
                ) : (
                  <span
                    className={`waterfall-bar ${v ? 'waterfall-bar-violation' : `app-${appIndex}`}`}
                    style={{
                      left: pct(log.offset_ms),
                      width: `max(2px, ${(log.duration_ms / axis.domain) * 100}%)`,
                    }}
                  />
                )}
                {v && log.duration_ms !== null && (
                  <span
                    className="waterfall-threshold"
                    data-testid="trace-threshold"
                    style={{ left: pct(log.offset_ms + v.threshold_ms) }}
                  />
                )}
              </div>
              <div className="waterfall-figures">
                <span className={`num${v ? ' text-bad' : ''}`}>
                  {log.duration_ms === null ? '—' : formatMs(log.duration_ms)}
                </span>
                <span className="muted num">+{axis.format(log.offset_ms)}</span>
                <LevelBadge level={log.level} />
              </div>
              {v && (
                <p className="waterfall-violation" data-testid="trace-violation">
                  <span className="violation-label">over {formatMs(v.threshold_ms)} rule</span>{' '}
                  <span className="muted">
                    ({ruleName(v)}, {formatMs((log.duration_ms ?? 0) - v.threshold_ms)} over)
                  </span>
                </p>
              )}
              {log.message && <p className="waterfall-message">{log.message}</p>}
            </li>
          );
        })}
      </ol>
    </Card>
  );
}

/**
 * On narrow screens fewer labels fit: with more than four ticks only the first, the last and
 * every other one up to two before the last keep theirs (CSS hides the `tick-minor` ones).
 */
function isMinorTick(i: number, count: number): boolean {
  const last = count - 1;
  if (count <= 4 || i === 0 || i === last) return false;
  return i % 2 === 1 || i > last - 2;
}

function AxisTicks({ axis }: { axis: TraceAxis }) {
  const count = axis.ticks.length;
  return (
    <div className="waterfall-ticks" data-testid="trace-axis">
      {axis.ticks.map((tick, i) => {
        const classes = ['waterfall-tick'];
        if (i === 0) classes.push('tick-first');
        if (i === count - 1) classes.push('tick-last');
        if (isMinorTick(i, count)) classes.push('tick-minor');
        return (
          <span key={tick.ms} className={classes.join(' ')} style={{ left: `${(tick.ms / axis.domain) * 100}%` }}>
            {tick.label}
          </span>
        );
      })}
    </div>
  );
}
