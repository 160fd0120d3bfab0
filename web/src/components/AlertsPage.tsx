import { useState } from 'react';
import { api } from '../api/client.js';
import type { AlertStatus } from '../api/types.js';
import { CHANNEL_LABELS, formatCount, formatRelative, formatTime } from '../format.js';
import { href } from '../router.js';
import { useResource } from '../state.js';
import { MuteButton } from './MuteButton.js';
import { TableHeader } from './TableHeader.js';
import { Badge, Card, Empty, ErrorNote, Loading, Pager } from './ui.js';

const PER_PAGE = 50;
const STATUS_TONE: Record<AlertStatus, 'ok' | 'bad' | 'muted' | 'warn'> = {
  sent: 'ok',
  failed: 'bad',
  suppressed: 'muted',
  pending: 'warn',
  silenced: 'muted',
};

export function AlertsPage() {
  const [status, setStatus] = useState<AlertStatus | ''>('');
  const [page, setPage] = useState(1);
  const alerts = useResource(
    (_range, signal) => api.alerts({ status: status || undefined, page, per_page: PER_PAGE }, signal),
    [status, page],
  );
  return (
    <div className="page">
      <Card
        title="Alert log"
        actions={
          <label className="inline-field">
            <span>Status</span>
            <select
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as AlertStatus | '');
                setPage(1);
              }}
            >
              <option value="">Any</option>
              <option value="sent">Sent</option>
              <option value="pending">Pending</option>
              <option value="failed">Failed</option>
              <option value="suppressed">Suppressed</option>
              <option value="silenced">Silenced</option>
            </select>
          </label>
        }
      >
        <ErrorNote error={alerts.error} retry={alerts.reload} />
        {!alerts.data && alerts.loading ? (
          <Loading />
        ) : !alerts.data || alerts.data.items.length === 0 ? (
          <Empty>No alerts yet. They appear here when a scan finds violations of an active rule.</Empty>
        ) : (
          <>
            <p className="muted result-count">{formatCount(alerts.data.total)} alerts, newest first</p>
            <div className="table-wrap">
              <table className="table" aria-label="Alert log">
                <TableHeader
                  columns={[
                    'Created',
                    'Status',
                    'App / message key',
                    { label: 'Violations', className: 'num' },
                    'Channel',
                    { label: 'Destination', className: 'hide-narrow' },
                    { label: 'Detail', className: 'hide-narrow' },
                    '',
                  ]}
                />
                <tbody>
                  {alerts.data.items.map((alert) => (
                    <tr key={alert.id}>
                      <td className="nowrap" title={new Date(alert.created_at).toLocaleString()}>
                        {formatTime(alert.created_at)}
                        <div className="muted small">{formatRelative(alert.created_at)}</div>
                      </td>
                      <td>
                        <Badge tone={STATUS_TONE[alert.status] ?? 'muted'}>{alert.status}</Badge>
                        {alert.kind === 'resolved' && <div className="muted small">resolved</div>}
                      </td>
                      <td>
                        <a
                          href={href({ page: 'violations', app: alert.app_name, key: alert.message_key ?? undefined })}
                        >
                          {alert.app_name}
                        </a>
                        {alert.message_key && (
                          <div>
                            <code className="small">{alert.message_key}</code>
                          </div>
                        )}
                      </td>
                      <td className="num">{formatCount(alert.violation_count)}</td>
                      <td>{CHANNEL_LABELS[alert.channel] ?? alert.channel}</td>
                      <td className="hide-narrow break">{alert.destination}</td>
                      <td className="hide-narrow small">
                        {alert.last_error ? (
                          <span className={alert.status === 'failed' ? 'text-bad' : 'muted'}>{alert.last_error}</span>
                        ) : alert.sent_at ? (
                          <span className="muted">sent {formatTime(alert.sent_at)}</span>
                        ) : (
                          <span className="muted">
                            {alert.attempts} attempt{alert.attempts === 1 ? '' : 's'}
                          </span>
                        )}
                      </td>
                      <td>
                        <MuteButton
                          app={alert.app_name}
                          messageKey={alert.rule_type === 'message' ? alert.message_key : null}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} perPage={PER_PAGE} total={alerts.data.total} onPage={setPage} label="Alerts" />
          </>
        )}
      </Card>
    </div>
  );
}
