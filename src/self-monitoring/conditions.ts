import type { Kysely } from 'kysely';
import { failingDestinations } from '../alerts/alert-log.js';
import { CHANNEL_TYPES } from '../alerts/channels/registry.js';
import type { Config } from '../config/config.js';
import { scrubSecrets } from '../config/redact.js';
import { isGoneHolder } from '../db/holder-id.js';
import type { Database } from '../db/schema.js';
import type { TargetRepository } from '../rules/target-repository.js';
import { CronLog } from '../scan/cron-log.js';
import { databaseLeaseRows } from '../scan/lease.js';
import type { SelfCondition } from './self-alert-state.js';

/** The command every scan run writes in the cron log (start's scheduler and cron alike). */
const SCAN_COMMAND = 'log:alert-scan';
const SCAN_LEASE_PREFIX = 'scan:';
const DETAIL_MAX = 500;

/** A condition lagwatch sees in itself now, held or not long enough yet. */
export interface Observation {
  /** Stable per condition: `scans_failing`, `channel_failing:target:3`, `scan_lease_stale:<source>`. */
  key: string;
  condition: SelfCondition;
  /** What it is about, secret-free: `scans`, `webhook target "ops" (#3)`, `TELEGRAM_CHAT_ID` … */
  subject: string;
  /** When it started holding, epoch ms. */
  since: number;
  /** The last error (secret-free) or what is wrong. */
  detail: string | null;
  /** Failed scan runs or failed notifications counted since `since`. */
  count: number;
  /** channel_failing: the failing destination (its self-alert goes to the others). */
  destination?: { channel: string; address: string };
}

export interface ObserveDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'telegram' | 'selfAlerts'>;
  targets: Pick<TargetRepository, 'activeOfTypes'>;
  secrets: readonly string[];
  now: number;
}

export interface Observed {
  conditions: Observation[];
  /** Keys of the channel conditions that still name a destination (a target deleted since is not). */
  channelKeys: Set<string>;
}

/** How long a condition must hold before it counts: SELF_ALERT_AFTER_MINUTES, or 5 when self-alerts are off. */
export function thresholdMs(config: Pick<Config, 'selfAlerts'>): number {
  return (config.selfAlerts.afterMinutes > 0 ? config.selfAlerts.afterMinutes : 5) * 60_000;
}

/** The conditions that have held for the threshold: what /ready, diagnose and /metrics report. */
export async function activeConditions(deps: ObserveDeps): Promise<Observation[]> {
  const limit = thresholdMs(deps.config);
  return (await observe(deps)).conditions.filter((c) => deps.now - c.since >= limit);
}

/**
 * Reads the conditions from the state database, so every process sees the same: scan runs
 * from the cron log, deliveries from the alert log, the scan lease from the leases table.
 */
export async function observe(deps: ObserveDeps): Promise<Observed> {
  const clean = (text: string | null) =>
    text === null ? null : scrubSecrets(text, deps.secrets).split('\n')[0]!.slice(0, DETAIL_MAX);
  const conditions: Observation[] = [];

  const failing = await new CronLog(deps.db).failingSince(SCAN_COMMAND);
  if (failing) {
    conditions.push({
      key: 'scans_failing',
      condition: 'scans_failing',
      subject: 'scans',
      since: failing.since,
      detail: clean(failing.lastError),
      count: failing.runs,
    });
  }

  const { channels, keys } = await failingChannels(deps);
  for (const channel of channels) conditions.push({ ...channel, detail: clean(channel.detail) });

  for (const lease of await databaseLeaseRows(deps.db, SCAN_LEASE_PREFIX)) {
    const gone = isGoneHolder(lease.holder);
    if (lease.expiresAt > deps.now && !gone) continue;
    const source = lease.name.slice(SCAN_LEASE_PREFIX.length);
    conditions.push({
      key: `scan_lease_stale:${source}`.slice(0, 191),
      condition: 'scan_lease_stale',
      subject: `the scan lease of ${source}`.slice(0, 191),
      since: Math.min(lease.expiresAt, deps.now),
      detail: `held by ${lease.holder}, not renewed since it expired${gone ? '; that process is gone' : ''}`,
      count: 0,
    });
  }
  return { conditions, channelKeys: keys };
}

/**
 * Failing destinations that are destinations now: an active target, or the TELEGRAM_CHAT_ID /
 * TELEGRAM_GROUP_ID default. Keyed by target id or variable name, never by address (a webhook
 * URL is a secret).
 */
async function failingChannels(deps: ObserveDeps): Promise<{ channels: Observation[]; keys: Set<string> }> {
  const targets = await deps.targets.activeOfTypes(CHANNEL_TYPES);
  const keys = new Set<string>(targets.map((t) => `channel_failing:target:${t.id}`));
  const defaults: Record<string, { name: string; address: string | undefined }> = {
    telegram_chat: { name: 'TELEGRAM_CHAT_ID', address: deps.config.telegram.chatId },
    telegram_group: { name: 'TELEGRAM_GROUP_ID', address: deps.config.telegram.groupId },
  };
  for (const d of Object.values(defaults)) if (d.address) keys.add(`channel_failing:${d.name}`);

  const channels: Observation[] = [];
  for (const row of await failingDestinations(deps.db)) {
    let key: string;
    let subject: string;
    if (row.target_id !== null) {
      const target = targets.find((t) => t.id === row.target_id && t.external_id === row.destination);
      if (!target) continue;
      key = `channel_failing:target:${target.id}`;
      subject = `${target.type} target "${target.name}" (#${target.id})`;
    } else {
      const fallback = defaults[row.channel];
      if (!fallback?.address || fallback.address !== row.destination) continue;
      key = `channel_failing:${fallback.name}`;
      subject = `${fallback.name} (${row.channel} ${row.destination})`;
    }
    channels.push({
      key,
      condition: 'channel_failing',
      subject: subject.slice(0, 191),
      since: row.since,
      detail: row.lastError,
      count: row.rows,
      destination: { channel: row.channel, address: row.destination },
    });
  }
  return { channels, keys };
}
