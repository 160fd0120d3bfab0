import { useEffect, useMemo, useRef } from 'react';
import { api } from '../api/client.js';
import type { IncidentDetail } from '../api/window-types.js';
import { formatClock, formatCount, formatDateTime, formatSpan } from '../format.js';
import { href } from '../router.js';
import { useResource } from '../state.js';
import { formatStatValue, statisticWords } from '../window-words.js';
import { Chart, type ChartMarker, type ChartSeries } from './Chart.js';
import { Lasting } from './RelativeTime.js';
import { ResourceNote } from './ResourceNote.js';
import { useTimelineEventsOver } from './timeline-events.js';
import { Badge, Card, Empty, Loading } from './ui.js';

const pointTime = (t: string | number) => (typeof t === 'number' ? t : Date.parse(t));

/** What the incident's value is, in words for the chart's legend and axis: "p95", "logs". */
function statisticName(incident: IncidentDetail): string {
  const rule = incident.rule;
  if (incident.rule_type === 'latency' && rule && typeof rule.statistic === 'string') {
    return statisticWords(rule.statistic, typeof rule.slow_ms === 'number' ? rule.slow_ms : null);
  }
  if (incident.unit === 'logs') return 'logs';
  if (incident.rule_type === 'slo') return 'burn rate';
  return 'value';
}

/**
 * One incident: its facts, and a chart of its statistic against its threshold (dashed) over the
 * incident and the hour before, with its start and its end marked.
 */
export function IncidentDetailCard({ id, closeHref }: { id: number; closeHref: string }) {
  const incident = useResource((_range, signal) => api.incidents.get(id, signal), [id], [], ['incidents']);
  const card = useRef<HTMLDivElement>(null);
  // Opened by a link (a notification's): bring it into view once.
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per incident
  useEffect(() => {
    card.current?.scrollIntoView({ block: 'start' });
  }, [id]);
  const data = incident.data;

  return (
    <div ref={card} data-testid="incident-detail">
      <Card
        title={
          data ? (
            <>
              Incident #{data.id} · {data.name}
            </>
          ) : (
            `Incident #${id}`
          )
        }
        actions={
          <a className="button button-small button-ghost" href={closeHref} aria-label="Close the incident">
            Close
          </a>
        }
        className="incident-card"
      >
        <ResourceNote resource={incident} />
        {incident.error?.status === 404 ? (
          <Empty>There is no incident #{id} (it may have been pruned).</Empty>
        ) : !data ? (
          incident.error ? null : (
            <Loading />
          )
        ) : (
          <>
            <IncidentFacts incident={data} />
            <IncidentChart incident={data} statistic={statisticName(data)} />
          </>
        )}
      </Card>
    </div>
  );
}

function IncidentFacts({ incident }: { incident: IncidentDetail }) {
  const firing = incident.state === 'firing';
  return (
    <dl className="facts incident-facts">
      <dt>State</dt>
      <dd>
        <Badge tone={firing ? 'bad' : 'ok'}>{incident.state}</Badge> {firing ? 'for ' : 'after '}
        <Lasting from={incident.started_at} to={incident.resolved_at} />
      </dd>
      <dt>Rule</dt>
      <dd>
        <a
          href={
            incident.rule_type === 'slo'
              ? href({ page: 'slos', rule: { type: 'slo', id: incident.rule_id } })
              : href({ page: 'rules' })
          }
        >
          {incident.name} ({incident.rule_type} #{incident.rule_id})
        </a>
      </dd>
      <dt>App</dt>
      <dd className="break">
        {incident.app_name}
        {incident.message_key && (
          <>
            {' · '}
            <code>{incident.message_key}</code>
          </>
        )}
      </dd>
      <dt>Started</dt>
      <dd>{formatDateTime(incident.started_at)}</dd>
      <dt>Resolved</dt>
      <dd>{incident.resolved_at ? formatDateTime(incident.resolved_at) : 'not yet'}</dd>
      <dt>{firing ? 'Value now' : 'Last value'}</dt>
      <dd data-testid="incident-value">
        {formatStatValue(incident.value, incident.unit)}
        {incident.samples !== null && <span className="muted"> from {formatCount(incident.samples)} logs</span>}
      </dd>
      <dt>Peak</dt>
      <dd>{formatStatValue(incident.peak_value, incident.unit)}</dd>
      <dt>Threshold</dt>
      <dd>{formatStatValue(incident.threshold, incident.unit)}</dd>
    </dl>
  );
}

function IncidentChart({ incident, statistic }: { incident: IncidentDetail; statistic: string }) {
  const { times, series, markers, from, to } = useMemo(() => {
    const points = incident.series
      .map((p) => ({ ...p, at: pointTime(p.t) }))
      .filter((p) => !Number.isNaN(p.at))
      .sort((a, b) => a.at - b.at);
    const format = (v: number) => formatStatValue(v, incident.unit);
    const series: ChartSeries[] = [
      {
        label: statistic,
        values: points.map((p) => p.value),
        color: '--chart-1',
        kind: 'line',
        scale: 'value',
        format,
      },
    ];
    if (incident.threshold !== null) {
      series.push({
        label: 'threshold',
        values: points.map(() => incident.threshold),
        color: '--bad',
        kind: 'threshold',
        scale: 'value',
        format,
        // The chart shows the statistic this rule judges, of its app (and key): its line belongs here.
        caption: `${incident.app_name}${incident.message_key ? ` · ${incident.message_key}` : ''} · ${incident.name}: ${format(incident.threshold)}`,
      });
    }
    const markers: ChartMarker[] = [
      {
        at: Date.parse(incident.started_at),
        label: `started ${formatClock(incident.started_at, { seconds: false })}`,
        color: '--bad',
      },
    ];
    if (incident.resolved_at) {
      markers.push({
        at: Date.parse(incident.resolved_at),
        label: `resolved ${formatClock(incident.resolved_at, { seconds: false })}`,
        color: '--ok',
      });
    }
    return {
      times: points.map((p) => p.at),
      series,
      markers,
      from: points[0]?.at,
      to: points[points.length - 1]?.at,
    };
  }, [incident, statistic]);

  // Silences and sent alerts of its app (and key) over the chart's span, drawn on its time axis.
  // The last point's bucket runs one step past it.
  const step = times.length > 1 ? times[1]! - times[0]! : 0;
  const events = useTimelineEventsOver(
    from === undefined || to === undefined ? undefined : { from, to: to + Math.max(step, 1) },
    incident.app_name,
    incident.message_key ?? undefined,
  );
  if (times.length === 0) {
    return <Empty>No figures were recorded for this incident's window.</Empty>;
  }
  const unitLabel = incident.unit === 'ms' ? 'ms' : incident.unit;
  return (
    <div data-testid="incident-chart">
      <h3 className="subheading">
        {statistic} against its threshold, {formatSpan(new Date(from!), new Date(to!))}
      </h3>
      <Chart
        times={times}
        series={series}
        markers={markers}
        events={events.data}
        axes={[{ scale: 'value', label: `${statistic}${unitLabel ? ` (${unitLabel})` : ''}` }]}
        height={240}
        name={`${statistic} of incident #${incident.id}`}
        summary={`${statistic} of ${incident.app_name}${incident.message_key ? ` ${incident.message_key}` : ''} from ${formatDateTime(from)} to ${formatDateTime(to)}, threshold ${formatStatValue(incident.threshold, incident.unit)}; the incident started ${formatDateTime(incident.started_at)}${incident.resolved_at ? ` and resolved ${formatDateTime(incident.resolved_at)}` : ' and is firing'}`}
      />
    </div>
  );
}
