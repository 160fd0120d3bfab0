import { Fragment, useEffect, useState } from 'react';
import { type ApiError, api } from '../api/client.js';
import type { Alert, AlertPreview, AlertStatus } from '../api/types.js';
import { useChannelLabel, useChannels } from '../channels.js';
import { formatCount, formatDateTime, formatTime } from '../format.js';
import { href, isPerLogRule } from '../router.js';
import { useDashboard, useResource } from '../state.js';
import { namesARange, pastTheEnd, unknownValue } from '../url-problems.js';
import { AppSelect } from './AppSelect.js';
import { BreakableKey } from './BreakableKey.js';
import { MuteButton } from './MuteButton.js';
import { Due, Relative } from './RelativeTime.js';
import { answered, ResourceNote } from './ResourceNote.js';
import { toggleUnlessControl } from './row-toggle.js';
import { TableHeader } from './TableHeader.js';
import { UrlNotice } from './UrlNotice.js';
import { Badge, Card, Empty, ErrorNote, Loading, Pager } from './ui.js';

const PER_PAGE = 50;
const STATUS_TONE: Record<AlertStatus, 'ok' | 'bad' | 'muted' | 'warn'> = {
  sent: 'ok',
  failed: 'bad',
  suppressed: 'muted',
  pending: 'warn',
  silenced: 'muted',
};
const STATUSES: AlertStatus[] = ['sent', 'pending', 'failed', 'suppressed', 'silenced'];
const COLUMN_COUNT = 9;

const known = <T extends string>(values: readonly T[], value: string | undefined): T | undefined =>
  values.includes(value as T) ? (value as T) : undefined;

/** "Telegram chat", or for a row written with no active target "Email, Webhook". */
function useRowChannelLabel(): (channel: string) => string {
  const label = useChannelLabel();
  return (channel) => channel.split(',').map(label).join(', ');
}

/**
 * The violations the row reported, by the same link its notification carried (its rule, from its
 * first to its last violation), opened in this dashboard whatever PUBLIC_URL says.
 */
function violationsLink(alert: Alert): string {
  try {
    return new URL(alert.dashboard_url).hash;
  } catch {
    const rule = { type: alert.rule_type, id: alert.rule_id };
    // A window rule's notification is about an incident: its rule's incidents, not violations.
    return isPerLogRule(rule)
      ? href({ page: 'violations', app: alert.app_name, rule })
      : href({ page: 'incidents', rule });
  }
}

const traceLink = (id: string) => href({ page: 'trace', id });

/** A self-alert (lagwatch watching itself): no rule, no violations, a condition and its sentence. */
const isSelfAlert = (alert: Alert) => alert.rule_type === 'self';
/** A per-log rule's notification counts violations; a window rule's is about an incident (its sentence says it). */
const countsViolations = (alert: Alert) => isPerLogRule({ type: alert.rule_type, id: alert.rule_id });
const selfTitle = (alert: Alert) => alert.title ?? `lagwatch self-monitoring: ${alert.message_key ?? 'condition'}`;

/** The alert log; its filters (app, channel, status) and page live in the URL. */
export function AlertsPage() {
  const { route, setView, range } = useDashboard();
  const status = known(STATUSES, route.status);
  // The view names its range (`from`/`to` or `range`), so a copied URL lists the same rows.
  useEffect(() => {
    if (!route.range && !namesARange(window.location.hash)) setView({ range }, { replace: true });
  }, [route.range, range, setView]);
  const channels = useChannels();
  // Until the registry's list is known, the URL's channel is asked for as it is (the server checks it).
  const channel = channels
    ? known(
        channels.map((c) => c.type),
        route.channel,
      )
    : route.channel;
  const app = route.app ?? '';
  const page = route.pageNumber ?? 1;
  const alerts = useResource(
    (r, signal) => api.alerts({ status, channel, app_name: app || undefined, page, per_page: PER_PAGE }, r, signal),
    [status, channel, app, page],
    [],
    ['alerts'],
  );
  const apps = useResource(
    async (_range, signal) => {
      const [appRules, messageRules] = await Promise.all([
        api.rules.list('app', signal),
        api.rules.list('message', signal),
      ]);
      return [...new Set([...appRules.items, ...messageRules.items].map((r) => r.app_name))].sort();
    },
    [],
    [],
    [],
  );
  const [open, setOpen] = useState<number>();
  const filtered = Boolean(status || channel || app);

  return (
    <div className="page">
      <Card title="Alert log">
        <form className="filters" aria-label="Filter alerts" onSubmit={(e) => e.preventDefault()}>
          <AppSelect
            app={app}
            apps={apps.data ?? []}
            onChange={(next) => setView({ app: next || undefined, pageNumber: undefined })}
          />
          <label className="inline-field">
            <span>Channel</span>
            <select
              value={channel ?? ''}
              onChange={(e) => setView({ channel: e.target.value || undefined, pageNumber: undefined })}
            >
              <option value="">Any</option>
              {(channels ?? []).map((c) => (
                <option key={c.type} value={c.type}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            <span>Status</span>
            <select
              value={status ?? ''}
              onChange={(e) => setView({ status: e.target.value || undefined, pageNumber: undefined })}
            >
              <option value="">Any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s[0]!.toUpperCase() + s.slice(1)}
                </option>
              ))}
            </select>
          </label>
        </form>
        <UrlNotice
          problems={[
            unknownValue('status', route.status, STATUSES, 'every status'),
            channels &&
              unknownValue(
                'channel',
                route.channel,
                channels.map((c) => c.type),
                'every channel',
              ),
            alerts.data && pastTheEnd(page, PER_PAGE, alerts.data.total),
          ]}
        />
        <ResourceNote resource={alerts} />
        {!alerts.data && alerts.loading ? (
          <Loading />
        ) : !alerts.data || alerts.data.items.length === 0 ? (
          answered(alerts) &&
          alerts.data?.total === 0 && (
            <Empty>
              {filtered
                ? 'No alert in this range matches these filters.'
                : 'No alerts in this range. They appear here when a scan finds violations of an active rule.'}
            </Empty>
          )
        ) : (
          <>
            <p className="muted result-count">{formatCount(alerts.data.total)} alerts, newest first</p>
            <div className="table-wrap">
              <table className="table alert-log" aria-label="Alert log" aria-busy={alerts.loading}>
                <TableHeader
                  columns={[
                    'Created',
                    'Status',
                    'App / message key',
                    { label: 'Violations', className: 'num hide-narrow' },
                    { label: 'Channel', className: 'hide-narrow' },
                    { label: 'Destination', className: 'hide-narrow' },
                    { label: 'Detail', className: 'hide-narrow' },
                    { label: 'Trace', className: 'hide-narrow' },
                    { label: 'Mute', hidden: true },
                  ]}
                />
                <tbody>
                  {alerts.data.items.map((alert) => (
                    <AlertRow
                      key={alert.id}
                      alert={alert}
                      open={open === alert.id}
                      onToggle={() => setOpen(open === alert.id ? undefined : alert.id)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              page={page}
              perPage={PER_PAGE}
              total={alerts.data.total}
              onPage={(next) => setView({ pageNumber: next > 1 ? next : undefined })}
              label="Alerts"
            />
          </>
        )}
      </Card>
    </div>
  );
}

function AlertRow({ alert, open, onToggle }: { alert: Alert; open: boolean; onToggle: () => void }) {
  const channelLabel = useRowChannelLabel();
  const detailId = `alert-${alert.id}-preview`;
  const trace = alert.correlation_ids[0];
  return (
    <>
      <tr
        data-testid="alert-row"
        data-alert-id={alert.id}
        className="row-opens"
        onClick={(event) => toggleUnlessControl(event, onToggle)}
      >
        <td className="nowrap" title={formatDateTime(alert.created_at)}>
          <button type="button" className="disclosure" aria-expanded={open} aria-controls={detailId} onClick={onToggle}>
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {formatTime(alert.created_at)}
            <span className="visually-hidden"> — what it said</span>
          </button>
          <div className="muted small" data-testid="alert-relative">
            <Relative at={alert.created_at} />
          </div>
        </td>
        <td>
          <Badge tone={STATUS_TONE[alert.status] ?? 'muted'}>{alert.status}</Badge>
          {alert.kind === 'resolved' && <div className="muted small">resolved</div>}
          {alert.status === 'silenced' && <SilenceNote alert={alert} />}
          {alert.status === 'pending' && <PendingNote alert={alert} />}
          {alert.status !== 'pending' && alert.status !== 'sent' && alert.last_error && (
            // Where the Detail column is hidden, why it was not sent stays in view.
            <div
              className={`small show-narrow ${alert.status === 'failed' ? 'text-bad' : 'muted'}`}
              data-testid="alert-reason"
            >
              {alert.last_error}
            </div>
          )}
        </td>
        {isSelfAlert(alert) ? (
          <td data-testid="alert-self">
            <strong>{selfTitle(alert)}</strong>
            {alert.sentence && <div className="small break">{alert.sentence}</div>}
            <div className="muted small show-narrow">{channelLabel(alert.channel)}</div>
          </td>
        ) : (
          <td>
            <a href={violationsLink(alert)}>{alert.app_name}</a>
            {alert.message_key && (
              <div>
                <BreakableKey value={alert.message_key} className="small" />
              </div>
            )}
            {!countsViolations(alert) && alert.sentence && (
              <div className="small break" data-testid="alert-sentence">
                {alert.sentence}
              </div>
            )}
            <div className="muted small show-narrow">
              {channelLabel(alert.channel)}
              {countsViolations(alert) &&
                ` · ${formatCount(alert.violation_count)} violation${alert.violation_count === 1 ? '' : 's'}`}
            </div>
          </td>
        )}
        <td className="num hide-narrow">
          {countsViolations(alert) ? formatCount(alert.violation_count) : <span className="muted">—</span>}
        </td>
        <td className="hide-narrow">{channelLabel(alert.channel)}</td>
        <td className="hide-narrow break">{alert.destination}</td>
        <td className="hide-narrow small">
          {alert.last_error ? (
            <span className={alert.status === 'failed' ? 'text-bad' : 'muted'}>{alert.last_error}</span>
          ) : alert.sent_at ? (
            <span className="muted">sent {formatTime(alert.sent_at)}</span>
          ) : null}
        </td>
        <td className="hide-narrow">
          {trace ? (
            <a href={traceLink(trace)} title={`Trace ${trace}`} data-testid="alert-trace">
              Trace
            </a>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td>
          <MuteButton
            app={alert.app_name}
            // An app rule's notifications are matched by app alone (only a whole-app silence holds them).
            notificationKey={alert.rule_type === 'app' ? null : alert.message_key}
            shownKey={alert.message_key}
          />
        </td>
      </tr>
      {open && (
        <tr className="detail-row" id={detailId}>
          <td colSpan={COLUMN_COUNT}>
            <AlertDetail alert={alert} />
          </td>
        </tr>
      )}
    </>
  );
}

/** Which silence held a silenced row back, linked to it (the reason says until when). */
function SilenceNote({ alert }: { alert: Alert }) {
  if (alert.silence_id === null) return <div className="muted small">by a silence</div>;
  return (
    <div className="small" data-testid="alert-silence">
      by{' '}
      <a href={href({ page: 'silences', incidentId: alert.silence_id })} title="The silence that held it back">
        silence #{alert.silence_id}
      </a>
    </div>
  );
}

function PendingNote({ alert }: { alert: Alert }) {
  return (
    <div className="muted small" data-testid="alert-pending">
      {alert.attempts === 0 ? 'not tried yet' : `${alert.attempts} attempt${alert.attempts === 1 ? '' : 's'}`}
      {alert.next_attempt_at && (
        <>
          {' · '}
          {alert.attempts === 0 ? 'due' : 'next retry'}{' '}
          <time dateTime={alert.next_attempt_at} title={formatDateTime(alert.next_attempt_at)}>
            {formatTime(alert.next_attempt_at)}
          </time>{' '}
          (<Due at={alert.next_attempt_at} />)
        </>
      )}
    </div>
  );
}

/** The expanded row: what the notification said on each channel, and its delivery facts. */
function AlertDetail({ alert }: { alert: Alert }) {
  const channelLabel = useRowChannelLabel();
  const [state, setState] = useState<{ data?: AlertPreview; error?: ApiError }>({});
  useEffect(() => {
    const controller = new AbortController();
    api.alertPreview(alert.id, controller.signal).then(
      (data) => setState({ data }),
      (error: ApiError) => {
        if (!controller.signal.aborted) setState({ error });
      },
    );
    return () => controller.abort();
  }, [alert.id]);

  return (
    <div className="alert-detail">
      <div className="alert-previews" data-testid="alert-preview">
        <ErrorNote error={state.error} />
        {!state.data && !state.error ? (
          <Loading />
        ) : state.data && state.data.previews.length === 0 ? (
          <Empty>The stored notification of this row cannot be read.</Empty>
        ) : (
          state.data?.previews.map((preview) => (
            <Fragment key={preview.channel}>
              <h3 className="subheading">
                {alert.status === 'sent' ? 'Sent' : 'Would say'} on {channelLabel(preview.channel)}
              </h3>
              {preview.subject && (
                <p className="alert-subject">
                  <span className="muted">Subject:</span> {preview.subject}
                </p>
              )}
              <pre className="alert-preview">{preview.text}</pre>
            </Fragment>
          ))
        )}
      </div>
      <dl className="facts alert-facts">
        <dt>Channel</dt>
        <dd>{channelLabel(alert.channel)}</dd>
        <dt>Destination</dt>
        <dd className="break">{alert.destination}</dd>
        <dt>Attempts</dt>
        <dd>{alert.attempts}</dd>
        {alert.status === 'pending' && alert.next_attempt_at && (
          <>
            <dt>Next attempt</dt>
            <dd>
              {formatTime(alert.next_attempt_at)} (<Due at={alert.next_attempt_at} />)
            </dd>
          </>
        )}
        {alert.sent_at && (
          <>
            <dt>Sent</dt>
            <dd>{formatTime(alert.sent_at)}</dd>
          </>
        )}
        {alert.status === 'silenced' && alert.silence_id !== null && (
          <>
            <dt>Silenced by</dt>
            <dd>
              <a href={href({ page: 'silences', incidentId: alert.silence_id })}>silence #{alert.silence_id}</a>
            </dd>
          </>
        )}
        {alert.last_error && (
          <>
            <dt>{alert.status === 'failed' || alert.status === 'pending' ? 'Error' : 'Reason'}</dt>
            <dd className={alert.status === 'failed' ? 'text-bad' : undefined}>{alert.last_error}</dd>
          </>
        )}
        {isSelfAlert(alert) ? (
          <>
            <dt>Self-monitoring</dt>
            <dd data-testid="alert-self-detail">
              {selfTitle(alert)}
              {alert.sentence && <div>{alert.sentence}</div>}
            </dd>
          </>
        ) : countsViolations(alert) ? (
          <>
            <dt>Violations</dt>
            <dd>
              <a href={violationsLink(alert)}>
                {formatCount(alert.violation_count)} of {alert.rule_type} rule #{alert.rule_id}
              </a>
            </dd>
          </>
        ) : (
          <>
            <dt>Incident</dt>
            <dd>
              <a href={violationsLink(alert)}>
                The incident of {alert.rule_type} rule #{alert.rule_id}
              </a>
            </dd>
          </>
        )}
        {alert.correlation_ids.length > 0 && (
          <>
            <dt>Traces</dt>
            <dd>
              <ul className="alert-traces">
                {alert.correlation_ids.map((id) => (
                  <li key={id}>
                    <a href={traceLink(id)}>
                      <code>{id}</code>
                    </a>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
