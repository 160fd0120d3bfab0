import type { Kysely } from 'kysely';
import { Gauge } from 'prom-client';
import { outboxBacklog } from '../alerts/alert-log.js';
import type { Config } from '../config/config.js';
import { secretsOf } from '../config/redact.js';
import type { Database } from '../db/schema.js';
import { withTimeout } from '../health/with-timeout.js';
import { metricsRegistry } from '../metrics/registry.js';
import { WINDOW_KINDS } from '../rules/kinds/registry.js';
import type { TargetRepository } from '../rules/target-repository.js';
import { listCheckpoints } from '../scan/checkpoints.js';
import { activeConditions } from '../self-monitoring/conditions.js';
import { SELF_CONDITIONS } from '../self-monitoring/self-alert-state.js';

const registers = [metricsRegistry];

const databaseUp = new Gauge({
  name: 'lagwatch_state_database_up',
  help: '1 when the state database answered the last scrape in time, else 0 (the lagwatch_alerts_* and checkpoint gauges then keep their last values)',
  registers,
});
const pending = new Gauge({
  name: 'lagwatch_alerts_pending',
  help: 'Notifications waiting for delivery or a retry, in the state database (every process)',
  registers,
});
const oldestPendingAge = new Gauge({
  name: 'lagwatch_alerts_oldest_pending_age_seconds',
  help: 'Age of the oldest notification still waiting; 0 when none waits',
  registers,
});
const checkpointLag = new Gauge({
  name: 'lagwatch_checkpoint_lag_seconds',
  help: 'Now minus the log time up to which each source has been scanned, whichever process scanned it',
  labelNames: ['source'] as const,
  registers,
});
const incidentsFiring = new Gauge({
  name: 'lagwatch_incidents_firing',
  help: 'Incidents of window rules firing now, by rule kind, in the state database (every process)',
  labelNames: ['kind'] as const,
  registers,
});

const selfAlertActive = new Gauge({
  name: 'lagwatch_self_alert_active',
  help: 'Self-monitoring conditions held for SELF_ALERT_AFTER_MINUTES, by condition: scans_failing and scan_lease_stale 0 or 1, channel_failing the number of failing channels (the same /ready and diagnose show)',
  labelNames: ['condition'] as const,
  registers,
});
const selfAlertSince = new Gauge({
  name: 'lagwatch_self_alert_seconds',
  help: 'How long the oldest active self-monitoring condition of each kind has held; 0 when none',
  labelNames: ['condition'] as const,
  registers,
});

/** What the self-monitoring gauges read besides the database. */
export interface SelfGaugeSources {
  config: Config;
  targets: Pick<TargetRepository, 'activeOfTypes'>;
}

/**
 * Reads the figures that live in the state database rather than in this process, so that
 * `/metrics` shows them as every process left them (a cron scan included). Called per scrape.
 */
export async function refreshStateGauges(
  db: Kysely<Database>,
  { now = Date.now(), timeoutMs = 2_000, self }: { now?: number; timeoutMs?: number; self?: SelfGaugeSources } = {},
): Promise<void> {
  try {
    // Bounded: a scrape must answer even while the database does not.
    const [outbox, checkpoints, firing, active] = await withTimeout(
      Promise.all([
        outboxBacklog(db),
        listCheckpoints(db),
        firingByKind(db),
        self
          ? activeConditions({
              db,
              config: self.config,
              targets: self.targets,
              secrets: secretsOf(self.config),
              now,
            })
          : undefined,
      ]),
      timeoutMs,
      'state database',
    );
    pending.set(outbox.pending);
    oldestPendingAge.set(outbox.oldestQueuedAt === undefined ? 0 : Math.max(0, (now - outbox.oldestQueuedAt) / 1000));
    checkpointLag.reset();
    for (const checkpoint of checkpoints) {
      checkpointLag.set({ source: checkpoint.source_key }, Math.max(0, (now - checkpoint.watermark) / 1000));
    }
    // Every window kind has a figure, 0 when none of its incidents fires.
    for (const kind of WINDOW_KINDS) incidentsFiring.set({ kind: kind.name }, 0);
    for (const { rule_type, count } of firing) incidentsFiring.set({ kind: rule_type }, Number(count));
    if (active) {
      for (const condition of SELF_CONDITIONS) {
        const found = active.filter((c) => c.condition === condition);
        selfAlertActive.set({ condition }, found.length);
        selfAlertSince.set(
          { condition },
          found.length === 0 ? 0 : (now - Math.min(...found.map((c) => c.since))) / 1000,
        );
      }
    }
    databaseUp.set(1);
  } catch {
    databaseUp.set(0);
  }
}

async function firingByKind(db: Kysely<Database>) {
  return db
    .selectFrom('incidents')
    .select((eb) => ['rule_type', eb.fn.countAll<number | string>().as('count')])
    .where('state', '=', 'firing')
    .groupBy('rule_type')
    .execute();
}
