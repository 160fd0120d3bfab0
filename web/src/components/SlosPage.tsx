import { useState } from 'react';
import { useCan } from '../access.js';
import { ApiError, api } from '../api/client.js';
import type { SloRule, SloStatus } from '../api/slo-types.js';
import { formatDateTime, formatTime } from '../format.js';
import { href, navigate, type RuleRef } from '../router.js';
import {
  budgetTone,
  burnAlertWords,
  countsWords,
  formatBudget,
  formatBurnRate,
  formatSli,
  objectiveWords,
  rateWindowWords,
} from '../slo-words.js';
import { useDashboard, useResource } from '../state.js';
import { queryParam, unreadable } from '../url-problems.js';
import { formatStatValue } from '../window-words.js';
import { useCoveredChannels } from './channel-targets.js';
import { ManagedBadge, managedReason } from './ManagedBadge.js';
import { Lasting } from './RelativeTime.js';
import { ResourceNote } from './ResourceNote.js';
import { SloCharts } from './SloCharts.js';
import { SloRuleDialog } from './SloRuleForm.js';
import { TableHeader } from './TableHeader.js';
import { UrlNotice } from './UrlNotice.js';
import { Badge, Card, Empty, ErrorNote, Loading } from './ui.js';
import '../slos.css';

/** Points of the history charts: enough to see a day's dip in 28 days, few enough for a phone. */
const HISTORY_POINTS = 120;
const INCIDENTS_SHOWN = 10;

const sloHref = (id?: number) => href({ page: 'slos', ...(id ? { rule: { type: 'slo', id } } : {}) });

/** `rule=app:3` or `rule=bogus` on this page: it opens SLOs only (`slo:<id>`). */
function sloRuleProblem(rule: RuleRef | undefined): string | undefined {
  const raw = queryParam(window.location.hash, 'rule');
  if (rule && rule.type !== 'slo')
    return `rule=${raw} is not an SLO (slo:<id>) — showing every SLO, none open, instead`;
  return unreadable('rule', raw, rule !== undefined, 'an SLO (slo:<id>)', 'every SLO, none open,');
}

/**
 * Every SLO with its figures over its period now (SLI, budget left as a bar, firing); one of them
 * (`#/slos?rule=slo:<id>`) open with its budget and burn-rate charts and its incidents.
 */
export function SlosPage() {
  const { route, refresh } = useDashboard();
  const slos = useResource((_range, signal) => api.slos.list(signal), [], [], []);
  const covered = useCoveredChannels();
  const [editing, setEditing] = useState<{ rule?: SloRule }>();
  const canWrite = useCan('write');
  const openId = route.rule?.type === 'slo' ? route.rule.id : undefined;
  const items = slos.data?.items ?? [];

  return (
    <div className="page">
      <Card
        title="SLOs"
        actions={
          canWrite && (
            <button type="button" className="button button-primary" onClick={() => setEditing({})}>
              New SLO
            </button>
          )
        }
      >
        <p className="muted card-intro">
          Each SLO counts the logs of an app (or one key) with a duration over its period: good within its threshold,
          bad above. The error budget is the share of bad logs the objective allows; burn alerts fire when it is being
          spent too fast.
        </p>
        <UrlNotice problems={[sloRuleProblem(route.rule)]} />
        <ResourceNote resource={slos} />
        {!slos.data ? (
          slos.error ? null : (
            <Loading />
          )
        ) : items.length === 0 ? (
          <Empty>No SLOs yet. Create one: "99.5% of checkout requests within 500 ms over 28 days".</Empty>
        ) : (
          <ul className="slo-list" aria-label="SLOs">
            {items.map((rule) => (
              <SloItem
                key={rule.id}
                rule={rule}
                open={rule.id === openId}
                onEdit={() => setEditing({ rule })}
                onDeleted={() => {
                  if (rule.id === openId) navigate({ page: 'slos' }, { replace: true });
                  slos.reload();
                }}
              />
            ))}
          </ul>
        )}
        {slos.data && openId !== undefined && !items.some((r) => r.id === openId) && (
          <p className="note" role="status">
            There is no SLO #{openId} (it may have been deleted). <a href={sloHref()}>Show every SLO</a>
          </p>
        )}
      </Card>
      {editing && (
        <SloRuleDialog
          rule={editing.rule}
          covered={covered}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            refresh();
          }}
        />
      )}
    </div>
  );
}

function SloItem({
  rule,
  open,
  onEdit,
  onDeleted,
}: {
  rule: SloRule;
  open: boolean;
  onEdit: () => void;
  onDeleted: () => void;
}) {
  const status = useResource(
    (_range, signal) => api.slos.status(rule.id, signal),
    [rule.id, rule.updated_at],
    [],
    ['logs', 'time'],
  );
  const headingId = `slo-${rule.id}-name`;
  return (
    <li className={`slo ${open ? 'slo-open' : ''}`} data-testid="slo" data-slo-id={rule.id} aria-labelledby={headingId}>
      <div className="slo-head">
        <div className="slo-title">
          <h3 id={headingId}>
            <a href={sloHref(open ? undefined : rule.id)} aria-expanded={open}>
              {rule.name}
            </a>
          </h3>
          <div className="muted small break">
            {rule.app_name} · {rule.message_key ? <code>{rule.message_key}</code> : 'every log'}
          </div>
          <div className="small" data-testid="slo-objective">
            {objectiveWords(rule)}
          </div>
          {rule.managed_file && <ManagedBadge file={rule.managed_file} id={`slo-${rule.id}-managed`} />}
        </div>
        <SloFigures rule={rule} status={status.data} error={status.error} retry={status.reload} />
      </div>
      {open && <SloDetail rule={rule} status={status.data} onEdit={onEdit} onDeleted={onDeleted} />}
    </li>
  );
}

/** SLI, the budget bar and the firing state; a failed request says so (never "no data"). */
function SloFigures({
  rule,
  status,
  error,
  retry,
}: {
  rule: SloRule;
  status: SloStatus | undefined;
  error: ApiError | undefined;
  retry: () => void;
}) {
  if (!status) {
    return (
      <div className="slo-figures">
        {error ? (
          <div className="note note-error" role="alert" data-testid="slo-status-error">
            <span>Figures unavailable: {error.message}</span>
            <button type="button" className="button button-small" onClick={retry}>
              Try again
            </button>
          </div>
        ) : (
          <p className="muted small" aria-live="polite">
            Loading figures…
          </p>
        )}
      </div>
    );
  }
  const total = status.good + status.bad;
  const budget = status.budget_remaining_percent;
  const tone = budgetTone(budget);
  return (
    <div className="slo-figures">
      <div className="slo-state">
        {!rule.is_active ? (
          <Badge tone="muted">inactive</Badge>
        ) : status.firing ? (
          <Badge tone="bad">firing</Badge>
        ) : (
          <Badge tone="ok">ok</Badge>
        )}
      </div>
      {error && <p className="muted small">Refresh failed ({error.message}); figures as shown before.</p>}
      {total === 0 ? (
        <p className="muted small" data-testid="slo-no-logs">
          No log with a duration in the last {rule.period_days} days yet.
        </p>
      ) : (
        <dl className="slo-numbers">
          <div>
            <dt>SLI</dt>
            <dd
              data-testid="slo-sli"
              className={status.sli_percent !== null && status.sli_percent < rule.objective ? 'text-bad' : ''}
            >
              {formatSli(status.sli_percent)}
            </dd>
          </div>
          <div className="slo-budget">
            <dt>Budget left</dt>
            <dd>
              <span data-testid="slo-budget" className={tone === 'bad' ? 'text-bad' : ''}>
                {formatBudget(budget)}
              </span>
              <span className="budget-track" aria-hidden="true">
                <span
                  className={`budget-fill budget-${tone}`}
                  data-testid="slo-budget-bar"
                  data-tone={tone}
                  style={{ width: `${budget === null ? 0 : budget < 0 ? 100 : Math.min(100, budget)}%` }}
                />
              </span>
              {tone === 'bad' && <span className="small text-bad"> overspent</span>}
            </dd>
          </div>
          {status.budget_exhausted_at && tone !== 'bad' && (
            <div className="slo-counts">
              <dt className="visually-hidden">Runs out</dt>
              <dd className="small text-bad" data-testid="slo-exhausted">
                At the last hour's burn rate the budget runs out {formatTime(status.budget_exhausted_at)}
              </dd>
            </div>
          )}
          <div className="slo-counts">
            <dt className="visually-hidden">Logs</dt>
            <dd className="muted small" data-testid="slo-counts">
              {countsWords(status.good, status.bad)}
            </dd>
          </div>
        </dl>
      )}
    </div>
  );
}

function SloDetail({
  rule,
  status,
  onEdit,
  onDeleted,
}: {
  rule: SloRule;
  status: SloStatus | undefined;
  onEdit: () => void;
  onDeleted: () => void;
}) {
  const history = useResource(
    (_range, signal) => api.slos.history(rule.id, HISTORY_POINTS, signal),
    [rule.id, rule.updated_at],
    [],
    ['time'],
  );
  const [deleteError, setDeleteError] = useState<ApiError>();
  const canWrite = useCan('write');
  const managed = rule.managed_file ?? null;
  const remove = async () => {
    if (!window.confirm(`Delete the SLO ${rule.name}?`)) return;
    setDeleteError(undefined);
    try {
      await api.slos.remove(rule.id);
      onDeleted();
    } catch (error) {
      if (error instanceof ApiError) setDeleteError(error);
    }
  };
  return (
    <div className="slo-detail" data-testid="slo-detail">
      {canWrite && (
        <div className="slo-actions">
          <button
            type="button"
            className="button button-small"
            onClick={onEdit}
            disabled={managed !== null}
            title={managed !== null ? managedReason(managed) : undefined}
            aria-describedby={managed !== null ? `slo-${rule.id}-managed` : undefined}
            aria-label={`Edit ${rule.name}`}
          >
            Edit
          </button>
          <button
            type="button"
            className="button button-small button-danger"
            onClick={() => void remove()}
            disabled={managed !== null}
            title={managed !== null ? managedReason(managed) : undefined}
            aria-describedby={managed !== null ? `slo-${rule.id}-managed` : undefined}
            aria-label={`Delete ${rule.name}`}
          >
            Delete
          </button>
        </div>
      )}
      <ErrorNote error={deleteError} />
      {status ? (
        <>
          <h3 className="subheading">Burn rates now, over the last</h3>
          <dl className="facts slo-rates" data-testid="slo-burn-rates">
            {Object.entries(status.burn_rates).map(([window, rate]) => (
              <div key={window}>
                <dt>{rateWindowWords(window)}</dt>
                <dd>{formatBurnRate(rate)}</dd>
              </div>
            ))}
          </dl>
          <ul className="slo-alerts" data-testid="slo-burn-alerts">
            {status.burn_alerts.map((alert) => (
              <li key={`${alert.long_minutes}-${alert.short_minutes}-${alert.factor}`}>
                <span>Burn alert {burnAlertWords(alert)}:</span>{' '}
                <span className="nowrap">
                  now {formatBurnRate(alert.long_rate)} and {formatBurnRate(alert.short_rate)}
                </span>{' '}
                {alert.holds ? <Badge tone="bad">holds</Badge> : <Badge tone="muted">does not hold</Badge>}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="muted small">Burn alerts: {rule.burn_alerts.map(burnAlertWords).join('; ')}.</p>
      )}
      <p className="muted small">A burn rate of 1× spends exactly the whole budget over the period.</p>
      <ResourceNote resource={history} />
      {history.data ? (
        <SloCharts
          id={rule.id}
          history={history.data}
          name={rule.name}
          app={rule.app_name}
          messageKey={rule.message_key}
        />
      ) : history.error ? null : (
        <Loading />
      )}
      <SloIncidents rule={rule} />
    </div>
  );
}

function SloIncidents({ rule }: { rule: SloRule }) {
  const ruleRef = { type: 'slo', id: rule.id };
  const incidents = useResource(
    (_range, signal) => api.incidents.list({ rule_type: 'slo', rule_id: rule.id, per_page: INCIDENTS_SHOWN }, signal),
    [rule.id],
    [],
    ['incidents'],
  );
  const items = incidents.data?.items ?? [];
  return (
    <div data-testid="slo-incidents">
      <h3 className="subheading">Incidents</h3>
      <ResourceNote resource={incidents} />
      {!incidents.data ? (
        incidents.error ? null : (
          <Loading />
        )
      ) : items.length === 0 ? (
        <Empty>No incidents: no burn alert has fired.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table-compact" aria-label={`Incidents of ${rule.name}`}>
              <TableHeader
                columns={[
                  'Started',
                  'State',
                  { label: 'Peak burn rate', className: 'num' },
                  { label: 'Lasted', className: 'num' },
                ]}
              />
              <tbody>
                {items.map((incident) => (
                  <tr key={incident.id} className={incident.state === 'firing' ? 'row-firing' : ''}>
                    <td className="nowrap" title={formatDateTime(incident.started_at)}>
                      <a href={href({ page: 'incidents', incidentId: incident.id, rule: ruleRef })}>
                        {formatTime(incident.started_at)}
                      </a>
                    </td>
                    <td>
                      <Badge tone={incident.state === 'firing' ? 'bad' : 'ok'}>{incident.state}</Badge>
                    </td>
                    <td className="num">
                      {incident.unit === '×'
                        ? formatBurnRate(incident.peak_value ?? incident.value)
                        : formatStatValue(incident.peak_value ?? incident.value, incident.unit)}
                    </td>
                    <td className="num">
                      <Lasting from={incident.started_at} to={incident.resolved_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {incidents.data.total > items.length && (
            <p className="small">
              <a href={href({ page: 'incidents', rule: ruleRef })}>
                All {incidents.data.total} incidents of {rule.name}
              </a>
            </p>
          )}
        </>
      )}
    </div>
  );
}
