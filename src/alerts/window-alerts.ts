import type { Insertable, Kysely } from 'kysely';
import type { AlertLogTable, Database } from '../db/schema.js';
import { channelListValue, insertAlertRows } from './alert-log.js';
import { type ActiveSilences, silencedReason } from './noise-decision.js';
import type { AlertNotification, Destination } from './notification.js';

export interface WindowAlert {
  notification: AlertNotification;
  /** The rule's channels, named on the row written when no target is active. */
  channels: readonly string[];
  destinations: readonly Destination[];
  scanId: number | null;
  now: number;
}

/**
 * Queues a window kind's notification (alert, reminder or resolved) in the caller's
 * transaction: one alert log row per destination, `pending`, or `silenced` while a silence
 * matches its app (and key), or one `suppressed` row when no target is active. Returns the rows
 * queued as pending.
 */
export async function queueWindowAlert(
  trx: Kysely<Database>,
  silences: ActiveSilences,
  alert: WindowAlert,
): Promise<number> {
  const n = alert.notification;
  const silence = await silences.activeFor(trx, n.app, n.messageKey, alert.now);
  const base = {
    rule_type: n.ruleType,
    rule_id: n.ruleId,
    app_name: n.app.slice(0, 191),
    message_key: n.messageKey?.slice(0, 191) ?? null,
    kind: n.kind ?? 'alert',
    attempts: 0,
    next_attempt_at: alert.now,
    violation_count: 0,
    payload: JSON.stringify(n),
    created_at: alert.now,
    updated_at: alert.now,
    sent_at: null,
    scan_id: alert.scanId,
    progress: null,
    status: silence ? ('silenced' as const) : ('pending' as const),
    last_error: silence ? silencedReason(silence) : null,
    silence_id: silence?.id ?? null,
  };
  const rows: Insertable<AlertLogTable>[] =
    alert.destinations.length === 0
      ? [
          {
            ...base,
            status: 'suppressed',
            last_error: `no active target for ${alert.channels.join(', ')}`,
            silence_id: null,
            channel: channelListValue(alert.channels),
            destination: '-',
            target_id: null,
          },
        ]
      : alert.destinations.map((d) => ({ ...base, channel: d.channel, destination: d.address, target_id: d.targetId }));
  await insertAlertRows(trx, rows);
  return rows.filter((r) => r.status === 'pending').length;
}
