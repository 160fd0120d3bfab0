import { verifySmtp } from '../alerts/channels/email/notifier.js';
import { CHANNEL_TYPES, isChannelConfigured } from '../alerts/channels/registry.js';
import { telegramGetMe } from '../alerts/channels/telegram/notifier.js';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create-context.js';
import { describeProblem } from '../app/rules-file.js';
import type { Config } from '../config/config.js';
import { scrubSecrets, secretsOf } from '../config/redact.js';
import { migrationState } from '../db/migrate.js';
import { eventLogSize } from '../events/event-log.js';
import { isoTime } from '../logs/iso-time.js';
import { applyRulesDocument } from '../rules/file/apply.js';
import { readRulesFile } from '../rules/file/read.js';
import { CronLog } from '../scan/cron-log.js';
import { activeConditions } from '../self-monitoring/conditions.js';
import { selfAlertDestinations } from '../self-monitoring/self-monitor.js';
import { selfChecks } from '../self-monitoring/status.js';
import { computeServerStatus } from '../stats/server-status.js';
import { checkTelegramUpdates } from '../telegram-updates/diagnose.js';
import { commandLogger } from './run.js';

export type Status = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  check: string;
  status: Status;
  detail: string;
}

const LAG_WARN_FACTOR = 3;

/** Runs every check it can, even when some fail, and reports them all. */
export async function diagnose(config: Config): Promise<Check[]> {
  const checks: Check[] = [{ check: 'configuration', status: 'ok', detail: 'valid' }];
  const ctx = createAppContext(config, commandLogger(config));
  const secrets = secretsOf(config);
  const clean = (text: string) => scrubSecrets(text, secrets);
  try {
    const status = await computeServerStatus(ctx);
    checks.push({
      check: 'database',
      status: status.database.ok ? 'ok' : 'fail',
      detail: status.database.ok
        ? `${config.db.driver} ${status.database.server_version ?? ''}`.trim()
        : `${config.db.driver}: ${status.database.error}`,
    });
    if (status.database.ok) {
      const { pending } = await migrationState(ctx.state);
      checks.push({
        check: 'schema',
        status: pending.length === 0 ? 'ok' : 'fail',
        detail:
          pending.length === 0 ? 'up to date' : `${pending.length} pending migration(s): run \`lagwatch migrate\``,
      });
    }
    checks.push({
      check: 'log source',
      status: status.log_source.ok ? 'ok' : 'fail',
      detail: status.log_source.ok
        ? (status.log_source.description ?? config.logSource)
        : `${config.logSource}: ${status.log_source.error}`,
    });
    checks.push(
      status.redis === null
        ? {
            check: 'redis',
            status: 'skip',
            detail: 'REDIS_HOST not set: cooldowns, the scan lease and live events use the database',
          }
        : {
            check: 'redis',
            status: status.redis.ok ? 'ok' : 'fail',
            detail: status.redis.ok ? `${config.redis?.host}:${config.redis?.port}` : String(status.redis.error),
          },
    );
    const events = await liveEventsCheck(ctx, status.redis?.ok ?? null, status.database.ok);
    checks.push({ ...events, detail: clean(events.detail) });

    if (isChannelConfigured(config, 'telegram_chat')) {
      const me = await telegramGetMe(config);
      checks.push({
        check: 'telegram',
        status: me.ok ? 'ok' : 'fail',
        detail: me.ok ? `bot @${me.username}` : clean(me.error ?? 'getMe failed'),
      });
    } else checks.push({ check: 'telegram', status: 'skip', detail: 'TELEGRAM_BOT_TOKEN not set' });
    if (status.database.ok) {
      const updates = await checkTelegramUpdates(config, ctx.state);
      checks.push({ check: 'telegram updates', status: updates.status, detail: clean(updates.detail) });
    }

    if (isChannelConfigured(config, 'email')) {
      const smtp = await verifySmtp(config);
      checks.push({
        check: 'smtp',
        status: smtp.ok ? 'ok' : 'fail',
        detail: smtp.ok ? `${config.mail.host}:${config.mail.port}` : clean(smtp.error ?? 'verify failed'),
      });
    } else checks.push({ check: 'smtp', status: 'skip', detail: 'MAIL_HOST not set' });
    if (status.database.ok) checks.push(await channelsCheck(ctx, config));

    const lag = status.checkpoint_lag_seconds;
    const interval = config.scan.intervalSeconds || 300;
    const expected = interval + config.scan.lagSeconds;
    checks.push(
      lag === null
        ? { check: 'checkpoint', status: 'warn', detail: 'no scan has completed for this log source yet' }
        : {
            check: 'checkpoint',
            status: lag > expected * LAG_WARN_FACTOR ? 'warn' : 'ok',
            detail: `scanned up to ${lag} s ago`,
          },
    );

    if (status.database.ok) {
      const recent = await new CronLog(ctx.state.db).recent(10).catch(() => []);
      const failed = recent.filter((r) => r.status === 'failed');
      const last = recent[0];
      checks.push(
        last === undefined
          ? { check: 'cron runs', status: 'warn', detail: 'no scan has run yet' }
          : {
              check: 'cron runs',
              status: last.status === 'failed' ? 'fail' : failed.length > 0 ? 'warn' : 'ok',
              detail:
                `last ${last.status} at ${isoTime(Number(last.started_at))}` +
                (failed.length > 0
                  ? `; ${failed.length} of the last ${recent.length} failed: ${clean(failed[0]?.error ?? '')}`
                  : ''),
            },
      );
      checks.push(...(await selfMonitoringChecks(ctx, config, secrets)));
      checks.push(await rulesFileCheck(ctx, config, clean));
      checks.push({
        check: 'outbox',
        status:
          status.outbox.oldest_pending_age_seconds !== null && status.outbox.oldest_pending_age_seconds > 3600
            ? 'warn'
            : 'ok',
        detail:
          `${status.outbox.pending} pending` +
          (status.outbox.oldest_pending_age_seconds !== null
            ? `, oldest ${status.outbox.oldest_pending_age_seconds} s`
            : ''),
      });
    }
    const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
    checks.push({
      check: 'memory',
      status: 'ok',
      detail: `rss ${mb(status.memory.rss_bytes)}, heap ${mb(status.memory.heap_used_bytes)} of ${mb(status.memory.heap_total_bytes)}`,
    });
  } finally {
    await ctx.close().catch(() => undefined);
  }
  return checks;
}

/**
 * Self-monitoring: where self-alerts go, and the conditions held past SELF_ALERT_AFTER_MINUTES
 * (the same /ready and /metrics show).
 */
async function selfMonitoringChecks(
  ctx: ReturnType<typeof createAppContext>,
  config: Config,
  secrets: string[],
): Promise<Check[]> {
  const clean = (text: string) => scrubSecrets(text, secrets);
  try {
    const targets = await ctx.targets.activeOfTypes(CHANNEL_TYPES);
    const destinations = selfAlertDestinations(config, targets).length;
    const { afterMinutes } = config.selfAlerts;
    const checks: Check[] = [
      afterMinutes === 0
        ? { check: 'self-alerts', status: 'skip', detail: 'off (SELF_ALERT_AFTER_MINUTES=0)' }
        : destinations === 0
          ? {
              check: 'self-alerts',
              status: 'warn',
              detail: 'no destination: set TELEGRAM_CHAT_ID (or TELEGRAM_GROUP_ID) or SELF_ALERT_CHANNELS',
            }
          : {
              check: 'self-alerts',
              status: 'ok',
              detail: `after ${afterMinutes} min, to ${destinations} destination${destinations === 1 ? '' : 's'}`,
            },
    ];
    const active = await activeConditions({ db: ctx.state.db, config, targets: ctx.targets, secrets, now: Date.now() });
    for (const area of selfChecks(active)) {
      checks.push({
        check: area.name.replace('_', ' '),
        status: area.ok ? (area.degraded ? 'warn' : 'ok') : 'fail',
        detail: clean(area.text),
      });
    }
    return checks;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [{ check: 'self-alerts', status: 'fail', detail: clean(`cannot read: ${message}`) }];
  }
}

/**
 * RULES_FILE as it is now: its problems (a running `start` keeps the rules it applied before),
 * or whether the database already holds what it says (a dry run of the apply).
 */
async function rulesFileCheck(ctx: AppContext, config: Config, clean: (text: string) => string): Promise<Check> {
  const check = 'rules file';
  if (!config.rulesFile) return { check, status: 'skip', detail: 'RULES_FILE not set' };
  const { path, prune } = config.rulesFile;
  try {
    const read = await readRulesFile(path);
    if (!read.ok) {
      const count = read.problems.length;
      const first = read.problems[0];
      return {
        check,
        status: 'fail',
        detail: clean(
          `${count} problem${count === 1 ? '' : 's'}` +
            (first ? ` (first: ${describeProblem(path, first)})` : '') +
            '; a SIGHUP keeps the rules applied before (rules:validate lists every problem)',
        ),
      };
    }
    const plan = await applyRulesDocument(ctx.state.db, read.document, { file: path, prune, dryRun: true });
    const pending = plan.creates.length + plan.updates.length + plan.deletes.length + plan.releases.length;
    const listed = `${read.document.rules.length} rules and ${read.document.targets.length} targets`;
    return pending === 0
      ? { check, status: 'ok', detail: `${path}: ${listed}, all applied` }
      : {
          check,
          status: 'warn',
          detail: `${path}: ${listed}; ${pending} change${pending === 1 ? '' : 's'} not applied yet (send SIGHUP to start, or run rules:apply)`,
        };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { check, status: 'fail', detail: clean(`${path}: ${message}`) };
  }
}

/** How the live events of this installation travel between processes, and whether they can. */
async function liveEventsCheck(
  ctx: ReturnType<typeof createAppContext>,
  redisOk: boolean | null,
  databaseOk: boolean,
): Promise<Check> {
  const { description } = ctx.events.status();
  if (redisOk !== null) {
    return { check: 'live events', status: redisOk ? 'ok' : 'fail', detail: description };
  }
  if (!databaseOk) return { check: 'live events', status: 'fail', detail: `${description}: database unreachable` };
  try {
    const { rows, newestAt } = await eventLogSize(ctx.state.db);
    const newest = newestAt === undefined ? 'none yet' : `newest ${isoTime(newestAt)}`;
    return { check: 'live events', status: 'ok', detail: `${description}; ${rows} events kept, ${newest}` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { check: 'live events', status: 'fail', detail: `${description}: ${message}` };
  }
}

/**
 * Every registered channel with its active targets (counts only: addresses may be secrets):
 * warns when active targets wait on a channel that is not configured, or name a type this
 * lagwatch does not have.
 */
async function channelsCheck(ctx: AppContext, config: Config): Promise<Check> {
  const active = await ctx.targets.list({ is_active: true }, { page: 1, per_page: 10_000 }).catch(() => undefined);
  if (!active) return { check: 'channels', status: 'warn', detail: 'the targets could not be read' };
  const count = new Map<string, number>();
  for (const target of active.items) count.set(target.type, (count.get(target.type) ?? 0) + 1);
  const parts: string[] = [];
  let warn = false;
  for (const provider of ctx.channels.providers) {
    const targets = count.get(provider.type) ?? 0;
    const missing = provider.missingSetting(config);
    if (missing !== undefined && targets > 0) warn = true;
    if (missing !== undefined && targets === 0) continue;
    const state = missing === undefined ? 'ready' : `not configured (${missing})`;
    parts.push(`${provider.type} ${state}, ${targets} active target${targets === 1 ? '' : 's'}`);
  }
  const unknown = [...count.keys()].filter((type) => !ctx.channels.providerOf(type));
  if (unknown.length > 0) {
    warn = true;
    parts.push(`active targets of unknown types: ${unknown.join(', ')}`);
  }
  return { check: 'channels', status: warn ? 'warn' : 'ok', detail: parts.join('; ') };
}
