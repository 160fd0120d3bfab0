import { api } from '../api/client.js';
import type { Incident, IncidentState } from '../api/window-types.js';
import { formatCount, formatDateTime, formatTime } from '../format.js';
import { href, type Route } from '../router.js';
import { useDashboard, useResource } from '../state.js';
import { pastTheEnd, queryParam, unknownValue, unreadable } from '../url-problems.js';
import { formatStatValue } from '../window-words.js';
import { AppSelect } from './AppSelect.js';
import { IncidentDetailCard } from './IncidentDetail.js';
import { Lasting, Relative } from './RelativeTime.js';
import { answered, ResourceNote } from './ResourceNote.js';
import { TableHeader } from './TableHeader.js';
import { UrlNotice } from './UrlNotice.js';
import { Badge, Card, Empty, Loading, Pager } from './ui.js';

const PER_PAGE = 50;
/** Firing incidents are few; the group above the list shows this many at most. */
const FIRING_AT_MOST = 100;
const STATES: IncidentState[] = ['firing', 'resolved'];
const WINDOW_KINDS = ['latency', 'absence', 'slo'];

const known = <T extends string>(values: readonly T[], value: string | undefined): T | undefined =>
  values.includes(value as T) ? (value as T) : undefined;

/** The URL's kind, rule or incident that this page cannot show, read as the URL has them. */
function incidentUrlProblems(route: Route): (string | undefined)[] {
  const hash = window.location.hash;
  const rawRule = queryParam(hash, 'rule');
  return [
    unknownValue('kind', queryParam(hash, 'kind'), WINDOW_KINDS, 'every kind'),
    route.rule && !WINDOW_KINDS.includes(route.rule.type)
      ? `rule=${rawRule} is not a rule with incidents (${WINDOW_KINDS.join(', ')}) — showing every rule's incidents instead`
      : unreadable('rule', rawRule, route.rule !== undefined, 'a rule (<kind>:<id>)', "every rule's incidents"),
    unreadable('id', queryParam(hash, 'id'), route.incidentId !== undefined, 'an incident number', 'no incident open'),
  ];
}

/**
 * The incidents of the window rules, newest first; the firing ones first, in their own group.
 * Filters (state, rule kind, app, a rule), the page and the open incident (`id`) live in the URL,
 * so a notification's link opens exactly its incident.
 */
export function IncidentsPage() {
  const { route, setView } = useDashboard();
  const state = known(STATES, route.status);
  // A kind or rule without incidents (`kind=app`, `rule=message:3`) is left out, and the notice says so.
  const ruleKind = known(WINDOW_KINDS, route.ruleKind);
  const app = route.app ?? '';
  const rule = route.rule && WINDOW_KINDS.includes(route.rule.type) ? route.rule : undefined;
  const page = route.pageNumber ?? 1;
  const filter = {
    rule_type: rule?.type ?? ruleKind,
    rule_id: rule?.id,
    app_name: app || undefined,
  };
  const filterKey = JSON.stringify(filter);
  // Without a state filter: the firing group (all of it, up to a limit) over the resolved list (paged).
  const listState: IncidentState | undefined = state ?? 'resolved';
  const firing = useResource(
    (_range, signal) =>
      state === undefined
        ? api.incidents.list({ ...filter, state: 'firing', per_page: FIRING_AT_MOST }, signal)
        : Promise.resolve(undefined),
    [filterKey, state],
    [],
    ['incidents'],
  );
  const list = useResource(
    (_range, signal) => api.incidents.list({ ...filter, state: listState, page, per_page: PER_PAGE }, signal),
    [filterKey, listState, page],
    [],
    ['incidents'],
  );
  const apps = useResource(
    async (_range, signal) => {
      const lists = await Promise.all(
        WINDOW_KINDS.map((kind) =>
          api.windowRules.list<{ app_name: string }>(kind as 'latency', signal).catch(() => ({ items: [] })),
        ),
      );
      return [...new Set(lists.flatMap((l) => l.items.map((r) => r.app_name)))].sort();
    },
    [],
    [],
    [],
  );
  const filtered = Boolean(state || ruleKind || app || rule);
  const firingItems = firing.data?.items ?? [];
  const nothing =
    list.data && list.data.items.length === 0 && (state !== undefined || (firing.data && firingItems.length === 0));
  const without = (patch: Partial<Route>) => setView({ ...patch, pageNumber: undefined }, { replace: true });

  return (
    <div className="page">
      {route.incidentId !== undefined && (
        <IncidentDetailCard id={route.incidentId} closeHref={href({ ...route, incidentId: undefined })} />
      )}
      <Card title="Incidents">
        <p className="muted card-intro">
          A latency or absence rule opens an incident when its condition holds (after its pending time) and resolves it
          when the condition no longer does; an SLO opens one while a burn alert holds.
        </p>
        <form className="filters" aria-label="Filter incidents" onSubmit={(e) => e.preventDefault()}>
          <label className="inline-field">
            <span>State</span>
            <select value={state ?? ''} onChange={(e) => without({ status: e.target.value || undefined })}>
              <option value="">Any</option>
              <option value="firing">Firing</option>
              <option value="resolved">Resolved</option>
            </select>
          </label>
          <label className="inline-field">
            <span>Rule type</span>
            <select
              value={rule ? rule.type : (ruleKind ?? '')}
              disabled={rule !== undefined}
              onChange={(e) => without({ ruleKind: e.target.value || undefined })}
            >
              <option value="">Any</option>
              {[...new Set([...WINDOW_KINDS, ...(ruleKind ? [ruleKind] : []), ...(rule ? [rule.type] : [])])].map(
                (kind) => (
                  <option key={kind} value={kind}>
                    {kind[0]!.toUpperCase() + kind.slice(1)}
                  </option>
                ),
              )}
            </select>
          </label>
          <AppSelect app={app} apps={apps.data ?? []} onChange={(next) => without({ app: next || undefined })} />
        </form>
        {rule && (
          <p className="rule-chip" data-testid="rule-filter">
            <span>
              Rule: {rule.type} #{rule.id}
            </span>
            <button
              type="button"
              className="button button-small button-ghost"
              onClick={() => without({ rule: undefined })}
              aria-label="Clear the rule filter"
            >
              Clear rule
            </button>
          </p>
        )}
        <UrlNotice
          problems={[
            unknownValue('status', route.status, STATES, 'firing and resolved'),
            ...incidentUrlProblems(route),
            list.data && pastTheEnd(page, PER_PAGE, list.data.total),
          ]}
        />
        <ResourceNote resource={list.error ? list : firing} />
        {!list.data ? (
          list.error ? null : (
            <Loading />
          )
        ) : nothing ? (
          answered(list) &&
          answered(firing) &&
          list.data.total === 0 && (
            <Empty>
              {filtered
                ? 'No incident matches these filters.'
                : 'No incidents yet. A latency or absence rule opens one when its condition holds.'}
            </Empty>
          )
        ) : (
          <>
            <div className="table-wrap">
              <table className="table incident-table" aria-label="Incidents" aria-busy={list.loading}>
                <TableHeader
                  columns={[
                    'Started',
                    { label: 'State', className: 'hide-narrow' },
                    'Rule',
                    { label: 'App / message key', className: 'hide-narrow' },
                    { label: 'Value', className: 'num' },
                    { label: 'Threshold', className: 'num hide-narrow' },
                    { label: 'Lasted', className: 'num hide-narrow' },
                  ]}
                />
                {firingItems.length > 0 && (
                  <IncidentGroup
                    heading={`Firing now (${formatCount(firing.data!.total)}${
                      firing.data!.total > firingItems.length ? `, the newest ${firingItems.length} shown` : ''
                    })`}
                    items={firingItems}
                    route={route}
                  />
                )}
                {list.data && list.data.items.length > 0 && (
                  <IncidentGroup
                    heading={`${state === 'firing' ? 'Firing' : 'Resolved'} (${formatCount(list.data.total)}), newest first`}
                    items={list.data.items}
                    route={route}
                  />
                )}
              </table>
            </div>
            {list.data && (
              <Pager
                page={page}
                perPage={PER_PAGE}
                total={list.data.total}
                onPage={(next) => setView({ pageNumber: next > 1 ? next : undefined })}
                label="Incidents"
              />
            )}
          </>
        )}
      </Card>
    </div>
  );
}

const COLUMN_COUNT = 7;

/** A group of rows (firing, resolved) under its heading row, in the one table so columns line up. */
function IncidentGroup({ heading, items, route }: { heading: string; items: Incident[]; route: Route }) {
  return (
    <tbody>
      <tr className="group-row">
        <th scope="colgroup" colSpan={COLUMN_COUNT}>
          {heading}
        </th>
      </tr>
      {items.map((incident) => (
        <IncidentRow key={incident.id} incident={incident} route={route} />
      ))}
    </tbody>
  );
}

function IncidentRow({ incident, route }: { incident: Incident; route: Route }) {
  const firing = incident.state === 'firing';
  const open = route.incidentId === incident.id;
  return (
    <tr
      className={`${firing ? 'row-firing' : ''} ${open ? 'row-selected' : ''}`}
      data-testid="incident-row"
      data-incident-id={incident.id}
      aria-current={open ? 'true' : undefined}
    >
      <td className="nowrap" title={formatDateTime(incident.started_at)}>
        <a href={href({ ...route, incidentId: incident.id })} aria-label={`Incident ${incident.id}: ${incident.name}`}>
          {formatTime(incident.started_at)}
        </a>
        <div className="muted small">
          <Relative at={incident.started_at} />
        </div>
        <div className="show-narrow">
          <Badge tone={firing ? 'bad' : 'ok'}>{incident.state}</Badge>
        </div>
      </td>
      <td className="hide-narrow">
        <Badge tone={firing ? 'bad' : 'ok'}>{incident.state}</Badge>
      </td>
      <td className="break">
        {incident.name}
        <div className="muted small">
          {incident.rule_type} #{incident.rule_id}
        </div>
        <div className="muted small show-narrow">
          {incident.app_name}
          {incident.message_key ? ` · ${incident.message_key}` : ''} · {firing ? 'for ' : ''}
          <Lasting from={incident.started_at} to={incident.resolved_at} />
        </div>
      </td>
      <td className="hide-narrow break">
        {incident.app_name}
        {incident.message_key && (
          <div>
            <code className="small">{incident.message_key}</code>
          </div>
        )}
      </td>
      <td className="num">
        {formatStatValue(incident.value, incident.unit)}
        {incident.peak_value !== null && incident.peak_value !== incident.value && (
          <div className="muted small">peak {formatStatValue(incident.peak_value, incident.unit)}</div>
        )}
      </td>
      <td className="num hide-narrow">{formatStatValue(incident.threshold, incident.unit)}</td>
      <td className="num hide-narrow">
        {firing ? 'for ' : ''}
        <Lasting from={incident.started_at} to={incident.resolved_at} />
      </td>
    </tr>
  );
}
