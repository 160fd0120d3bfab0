import type { Kysely, Migration } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import * as m001 from './001_initial.js';
import * as m002 from './002_alert_delivery.js';
import * as m003 from './003_table_revisions.js';
import * as m004 from './004_drop_seen_logs.js';
import * as m005 from './005_claim_holders.js';
import * as m006 from './006_noise_control.js';
import * as m007 from './007_event_log.js';
import * as m008 from './008_judged_rules.js';
import * as m010 from './010_violation_rule_time.js';
import * as m011 from './011_window_rules.js';
import * as m012 from './012_recorded_candidates.js';
import * as m013 from './013_self_alerts.js';
import * as m014 from './014_alert_log_channel_width.js';
import * as m015 from './015_api_tokens.js';
import * as m016 from './016_audit_log.js';
import * as m017 from './017_managed_by.js';

interface DriverMigration {
  up(db: Kysely<unknown>, driver: DbDriver): Promise<void>;
  down(db: Kysely<unknown>, driver: DbDriver): Promise<void>;
}

/** Every migration in order. Names sort lexically; add new ones at the end. */
const MIGRATIONS: Record<string, DriverMigration> = {
  '001_initial': m001,
  '002_alert_delivery': m002,
  '003_table_revisions': m003,
  '004_drop_seen_logs': m004,
  '005_claim_holders': m005,
  '006_noise_control': m006,
  '007_event_log': m007,
  '008_judged_rules': m008,
  '010_violation_rule_time': m010,
  '011_window_rules': m011,
  '012_recorded_candidates': m012,
  '013_self_alerts': m013,
  '014_alert_log_channel_width': m014,
  '015_api_tokens': m015,
  '016_audit_log': m016,
  '017_managed_by': m017,
};

export function migrationsFor(driver: DbDriver): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(MIGRATIONS).map(([name, m]) => [
      name,
      { up: (db: Kysely<unknown>) => m.up(db, driver), down: (db: Kysely<unknown>) => m.down(db, driver) },
    ]),
  );
}
