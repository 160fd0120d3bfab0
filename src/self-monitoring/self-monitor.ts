import type { Kysely } from 'kysely';
import { CHANNEL_TYPES } from '../alerts/channels/registry.js';
import type { ActiveSilences } from '../alerts/noise-decision.js';
import type { Destination } from '../alerts/notification.js';
import { queueWindowAlert } from '../alerts/window-alerts.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logging/logger.js';
import type { TargetRepository } from '../rules/target-repository.js';
import type { AlertTarget } from '../rules/types.js';
import { type Observation, observe } from './conditions.js';
import { firingSelfAlerts, markFiring, markResolved, type SelfAlertRow, selfAlertRow } from './self-alert-state.js';
import { type SelfAlertFacts, type SelfResolution, selfNotification } from './self-notification.js';

export interface SelfMonitorDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'telegram' | 'selfAlerts' | 'publicUrl'>;
  targets: Pick<TargetRepository, 'activeOfTypes'>;
  silences: ActiveSilences;
  secrets: readonly string[];
  logger: Logger;
  now?: () => number;
}

export interface SelfReport {
  /** Conditions told now (alert notifications queued). */
  alerted: string[];
  /** Conditions resolved now. */
  resolved: string[];
  /** Alert log rows queued as pending. */
  queued: number;
}

/**
 * Self-alerts: when a condition (scans failing, a channel failing, a stale scan lease) has held
 * for SELF_ALERT_AFTER_MINUTES, one notification to the self-alert destinations; one resolved
 * notification when it no longer holds. Each change is a conditional update of its self_alerts
 * row in the transaction that queues the notification in the alert log (the outbox sends it,
 * with retries), so a restart tells nothing twice and of two processes evaluating at once one
 * tells it. A channel's own failure is told on the other destinations only.
 */
export class SelfMonitor {
  private readonly now: () => number;

  constructor(private readonly deps: SelfMonitorDeps) {
    this.now = deps.now ?? Date.now;
  }

  async evaluate(): Promise<SelfReport> {
    const report: SelfReport = { alerted: [], resolved: [], queued: 0 };
    const { afterMinutes } = this.deps.config.selfAlerts;
    if (afterMinutes === 0) return report;
    const now = this.now();
    const { db } = this.deps;
    // Read before any transaction: on SQLite the transaction holds the only connection.
    const [observed, firing, targets] = await Promise.all([
      observe({ ...this.deps, now }),
      firingSelfAlerts(db),
      this.deps.targets.activeOfTypes(CHANNEL_TYPES),
    ]);
    const destinations = selfAlertDestinations(this.deps.config, targets);
    const limitMs = afterMinutes * 60_000;

    // A condition told before: resolved when it no longer holds, or when what holds now began
    // after it was told (it ended and began again between two evaluations).
    const toldEpisode = (row: SelfAlertRow, condition: Observation | undefined) =>
      condition !== undefined && condition.since <= Number(row.alerted_at ?? 0);
    for (const row of firing) {
      const condition = observed.conditions.find((c) => c.key === row.condition_key);
      if (toldEpisode(row, condition)) continue;
      const removed = row.condition === 'channel_failing' && !observed.channelKeys.has(row.condition_key);
      await this.resolve(row, destinations, now, { removed }, report);
    }
    for (const condition of observed.conditions) {
      if (now - condition.since < limitMs) continue;
      if (firing.some((row) => row.condition_key === condition.key && toldEpisode(row, condition))) continue;
      await this.alert(condition, destinations, now, report);
    }
    return report;
  }

  private async alert(condition: Observation, all: Destination[], now: number, report: SelfReport): Promise<void> {
    const { db, config } = this.deps;
    const row = await selfAlertRow(
      db,
      { condition_key: condition.key, condition: condition.condition, subject: condition.subject },
      now,
    );
    const facts: SelfAlertFacts = { ...condition, id: Number(row.id) };
    const notification = selfNotification(facts, 'alert', {
      now,
      publicUrl: config.publicUrl,
      afterMinutes: config.selfAlerts.afterMinutes,
    });
    const destinations = all.filter((d) => !isDestination(d, condition.destination));
    const queued = await db.transaction().execute(async (trx) => {
      const won = await markFiring(
        trx,
        condition.key,
        { since: condition.since, detail: condition.detail, subject: condition.subject },
        now,
      );
      if (!won) return undefined;
      return queueWindowAlert(trx, this.deps.silences, {
        notification,
        channels: channelsNamed(config),
        destinations,
        scanId: null,
        now,
      });
    });
    if (queued === undefined) return;
    report.alerted.push(condition.key);
    report.queued += queued;
    this.deps.logger.warn(
      { condition: condition.key, since: new Date(condition.since).toISOString(), destinations: destinations.length },
      `self-alert: ${notification.sentence}`,
    );
  }

  private async resolve(
    row: SelfAlertRow,
    all: Destination[],
    now: number,
    resolution: SelfResolution,
    report: SelfReport,
  ): Promise<void> {
    const { db, config } = this.deps;
    const since = row.since === null ? Number(row.alerted_at ?? now) : Number(row.since);
    const facts: SelfAlertFacts = {
      id: Number(row.id),
      key: row.condition_key,
      condition: row.condition,
      subject: row.subject,
      since,
      detail: row.detail,
      count: 0,
    };
    const notification = selfNotification(facts, 'resolved', {
      now,
      publicUrl: config.publicUrl,
      afterMinutes: config.selfAlerts.afterMinutes,
      resolution,
    });
    // Told where the alert went: a channel's own resolution not on the channel itself.
    const failing = row.condition === 'channel_failing' ? destinationOfKey(row.condition_key, all) : undefined;
    const destinations = all.filter((d) => d !== failing);
    const queued = await db.transaction().execute(async (trx) => {
      if (!(await markResolved(trx, row.condition_key, now))) return undefined;
      return queueWindowAlert(trx, this.deps.silences, {
        notification,
        channels: channelsNamed(config),
        destinations,
        scanId: null,
        now,
      });
    });
    if (queued === undefined) return;
    report.resolved.push(row.condition_key);
    report.queued += queued;
    this.deps.logger.info({ condition: row.condition_key }, `self-alert resolved: ${notification.sentence}`);
  }
}

/**
 * Where self-alerts go: the TELEGRAM_CHAT_ID / TELEGRAM_GROUP_ID defaults, and the active
 * targets SELF_ALERT_CHANNELS names (by id, or every target of a type), each address once.
 */
export function selfAlertDestinations(
  config: Pick<Config, 'telegram' | 'selfAlerts'>,
  activeTargets: readonly AlertTarget[],
): Destination[] {
  const found = new Map<string, Destination>();
  const add = (d: Destination) => {
    const id = `${d.channel}\u0000${d.address}`;
    if (!found.has(id)) found.set(id, d);
  };
  if (config.telegram.chatId) add({ channel: 'telegram_chat', address: config.telegram.chatId, targetId: null });
  if (config.telegram.groupId) add({ channel: 'telegram_group', address: config.telegram.groupId, targetId: null });
  for (const target of activeTargets) {
    const named = config.selfAlerts.channels.some((entry) =>
      'targetId' in entry ? entry.targetId === target.id : entry.type === target.type,
    );
    if (named && target.is_active) add({ channel: target.type, address: target.external_id, targetId: target.id });
  }
  return [...found.values()];
}

function isDestination(d: Destination, failing: { channel: string; address: string } | undefined): boolean {
  return failing !== undefined && d.channel === failing.channel && d.address === failing.address;
}

/** The destination a channel condition's key names, among the self-alert destinations. */
function destinationOfKey(key: string, all: Destination[]): Destination | undefined {
  const target = /^channel_failing:target:(\d+)$/.exec(key);
  if (target) return all.find((d) => d.targetId === Number(target[1]));
  if (key === 'channel_failing:TELEGRAM_CHAT_ID')
    return all.find((d) => d.targetId === null && d.channel === 'telegram_chat');
  if (key === 'channel_failing:TELEGRAM_GROUP_ID') {
    return all.find((d) => d.targetId === null && d.channel === 'telegram_group');
  }
  return undefined;
}

/** Named on the one `suppressed` row written when no self-alert destination is set. */
function channelsNamed(config: Pick<Config, 'selfAlerts'>): string[] {
  const named = config.selfAlerts.channels.map((entry) => ('targetId' in entry ? `#${entry.targetId}` : entry.type));
  return ['TELEGRAM_CHAT_ID', ...named];
}
