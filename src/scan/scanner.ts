import { hostname } from 'node:os';
import { AlertQueue, type QueueResult } from '../alerts/alert-queue.js';
import type { CooldownStore } from '../alerts/cooldown.js';
import { destinationsFor } from '../alerts/destinations.js';
import { ruleKeyOf, ScanGroups } from '../alerts/grouping.js';
import type { Destination } from '../alerts/notification.js';
import type { AppContext } from '../app/context.js';
import type { LogRecord } from '../logs/log-record.js';
import type { LogSource, ScanBatch, ScanRequest, TimeRange } from '../logs/source.js';
import { recordScan } from '../metrics/scan-metrics.js';
import { RuleMatcher } from '../rules/matcher.js';
import { CHANNEL_TYPES, type Rule, ruleKind } from '../rules/types.js';
import { readCheckpoint, saveCheckpoint } from './checkpoints.js';
import { CronLog } from './cron-log.js';
import { judgedRuleKeys, markRulesJudged } from './judged-rules.js';
import type { Lease } from './lease.js';
import { type RecordedViolation, recordNewViolations, toViolationRow, type Violation } from './violation-recorder.js';

export interface ScanProgress {
  batches: number;
  scanned: number;
  candidates: number;
  violations: number;
  watermark: number | undefined;
}

export interface ScanOptions {
  /** Report what would be recorded and sent; change nothing. */
  dryRun?: boolean;
  /** Scan this window instead of resuming from the checkpoint (which is then left alone). */
  range?: TimeRange;
  /** Wait up to this long for another scanner's lease before giving up. */
  waitForLeaseMs?: number;
  onProgress?: (progress: ScanProgress) => void;
  signal?: AbortSignal;
  /** Judge only for these rules (`ruleKeyOf`), reading only their apps' logs: a new rule's first look back. */
  onlyRules?: ReadonlySet<string>;
}

export interface DryRunAlert {
  rule_type: 'app' | 'message';
  rule_id: number;
  app_name: string;
  message_key: string | null;
  violations: number;
  in_cooldown: boolean;
  destinations: Destination[];
}

export interface ScanReport {
  status: 'success' | 'failed' | 'skipped';
  cronId: number | undefined;
  logsScanned: number;
  candidates: number;
  /** Violations newly recorded (or, in a dry run, that would be). */
  violations: number;
  /** Alert log rows queued as pending. */
  alertsQueued: number;
  watermark: number | undefined;
  /** Who holds the lease when the scan was skipped. */
  heldBy?: string;
  error?: string;
  /** Dry run only: the notifications a real scan would queue. */
  wouldAlert?: DryRunAlert[];
}

export interface ScannerDeps {
  ctx: AppContext;
  /**
   * Resolved at the start of every run, so a scanner can exist while its log source is
   * unreachable: such a run fails, and says why in the cron log.
   */
  source: () => Promise<LogSource>;
  lease: Lease;
  cooldowns: CooldownStore;
  now?: () => number;
}

/** The lease that keeps two scanners of one log source from running at once. */
export const scanLeaseName = (source: LogSource): string => `scan:${source.key}`;

const LEASE_TTL_MS = 60_000;
const LEASE_RENEW_MS = 15_000;
const EVENTS_PER_BATCH = 50;

/**
 * One scan: take the lease, read candidate logs from the source in batches, judge each with
 * the deciding rule, and per batch, in one transaction, record the new violations, queue their
 * grouped notifications and advance the checkpoint. Every run leaves a cron log row.
 */
export class Scanner {
  private readonly now: () => number;
  private readonly holder = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

  constructor(private readonly deps: ScannerDeps) {
    this.now = deps.now ?? Date.now;
  }

  async run(options: ScanOptions = {}): Promise<ScanReport> {
    if (options.dryRun) return this.dryRun(options);
    const { ctx, lease } = this.deps;
    const cronLog = new CronLog(ctx.state.db, this.now);
    const cronId = await cronLog.start('log:alert-scan');
    const report: ScanReport = {
      status: 'success',
      cronId,
      logsScanned: 0,
      candidates: 0,
      violations: 0,
      alertsQueued: 0,
      watermark: undefined,
    };
    const startedAt = this.now();

    let source: LogSource;
    try {
      source = await this.deps.source();
    } catch (error) {
      report.status = 'failed';
      report.error = `log source unavailable: ${error instanceof Error ? error.message : String(error)}`;
      ctx.logger.error({ cron_id: cronId }, report.error);
      return this.finish(cronLog, cronId, report, startedAt);
    }
    const leaseName = scanLeaseName(source);

    if (!(await this.acquireLease(leaseName, options))) {
      report.status = 'skipped';
      report.heldBy = await lease.holder(leaseName);
      report.error = `another scan is running (${report.heldBy ?? 'unknown holder'})`;
      return this.finish(cronLog, cronId, report, startedAt);
    }

    let leaseLost = false;
    const renewal = setInterval(() => {
      lease.renew(leaseName, this.holder, LEASE_TTL_MS).then(
        (held) => {
          if (!held) leaseLost = true;
        },
        () => undefined, // a failed renewal is retried at the next tick; expiry is the backstop
      );
    }, LEASE_RENEW_MS);
    renewal.unref();

    try {
      const judging = options.range
        ? undefined
        : await this.judgeRecentLogsForNewRules(source, cronId, options, report, () => leaseLost);
      await this.scanBatches(source, cronId, options, report, () => leaseLost);
      if (judging) {
        await markRulesJudged(ctx.state.db, source.key, judging.ruleKeys, judging.known, this.now());
      }
    } catch (error) {
      report.status = 'failed';
      report.error = error instanceof Error ? error.message : String(error);
      ctx.logger.error({ err: error, cron_id: cronId }, 'scan failed');
    } finally {
      clearInterval(renewal);
      await lease.release(leaseName, this.holder).catch(() => undefined);
    }
    return this.finish(cronLog, cronId, report, startedAt);
  }

  /**
   * A rule no checkpoint scan of this source has judged yet (created, or activated, since the
   * last one) also judges the recent logs before the checkpoint: from SCAN_INITIAL_LOOKBACK_MINUTES
   * back, as a source's very first scan does. Only violations of those rules are recorded; a crash
   * repeats the look back, and the violations' unique key keeps it from recording anything twice.
   */
  private async judgeRecentLogsForNewRules(
    source: LogSource,
    cronId: number,
    options: ScanOptions,
    report: ScanReport,
    leaseLost: () => boolean,
  ): Promise<{ ruleKeys: string[]; known: Set<string> }> {
    const { ctx } = this.deps;
    const { rules } = await this.matcher();
    const known = await judgedRuleKeys(ctx.state.db, source.key);
    const active = [...rules].filter(([, rule]) => rule.is_active).map(([key]) => key);
    const fresh = new Set(active.filter((key) => !known.has(key)));
    // Without a checkpoint the scan itself starts SCAN_INITIAL_LOOKBACK_MINUTES back. Up to now:
    // what the checkpoint scan then reads again is recorded once (the violations' unique key).
    if (fresh.size > 0 && (await readCheckpoint(ctx.state.db, source.key))) {
      const to = this.now();
      const from = to - ctx.config.scan.initialLookbackMinutes * 60_000;
      await this.scanBatches(source, cronId, { ...options, range: { from, to }, onlyRules: fresh }, report, leaseLost);
    }
    return { ruleKeys: active, known };
  }

  /**
   * Whether a scan now would find a candidate not read before, for sources that can tell
   * cheaply (Elasticsearch); false when the source cannot tell or cannot be reached.
   */
  async hasPending(): Promise<boolean> {
    const source = await this.deps.source();
    if (!source.hasPending) return false;
    const { matcher, rules } = await this.matcher();
    const request = await this.request(source, {}, matcher, rules);
    return request.mode === 'checkpoint' && source.hasPending(request);
  }

  /** Closes the run's cron log row with the report and announces it. */
  private async finish(cronLog: CronLog, cronId: number, report: ScanReport, startedAt: number): Promise<ScanReport> {
    recordScan(report, (this.now() - startedAt) / 1000);
    await cronLog.finish(cronId, {
      status: report.status,
      logs_scanned: report.logsScanned,
      violations: report.violations,
      alerts: report.alertsQueued,
      error: report.error ?? null,
    });
    this.publishScan(report, startedAt);
    return report;
  }

  private async acquireLease(leaseName: string, options: ScanOptions): Promise<boolean> {
    const deadline = this.now() + (options.waitForLeaseMs ?? 0);
    for (;;) {
      if (await this.deps.lease.acquire(leaseName, this.holder, LEASE_TTL_MS)) return true;
      if (this.now() >= deadline || options.signal?.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private async matcher(): Promise<{ matcher: RuleMatcher; rules: Map<string, Rule> }> {
    const [appRules, messageRules] = await Promise.all([
      this.deps.ctx.appRules.all(),
      this.deps.ctx.messageRules.all(),
    ]);
    const rules = new Map<string, Rule>();
    for (const rule of [...appRules, ...messageRules]) rules.set(ruleKeyOf(ruleKind(rule), rule.id), rule);
    return { matcher: new RuleMatcher(appRules, messageRules), rules };
  }

  private async request(
    source: LogSource,
    options: ScanOptions,
    matcher: RuleMatcher,
    rules: ReadonlyMap<string, Rule>,
  ): Promise<ScanRequest> {
    const { config, state } = this.deps.ctx;
    const all = matcher.lowestThresholds();
    const apps = options.onlyRules && new Set([...options.onlyRules].map((key) => rules.get(key)?.app_name));
    const thresholds = apps ? new Map([...all].filter(([app]) => apps.has(app))) : all;
    const batchSize = config.scan.batchSize;
    if (options.range) return { mode: 'range', range: options.range, batchSize, thresholds };
    const checkpoint = await readCheckpoint(state.db, source.key);
    return { mode: 'checkpoint', cursor: checkpoint?.cursor, now: this.now(), batchSize, thresholds };
  }

  private judge(matcher: RuleMatcher, logs: readonly LogRecord[], onlyRules?: ReadonlySet<string>): Violation[] {
    const violations: Violation[] = [];
    for (const log of logs) {
      if (log.app === null || log.durationMs === null) continue;
      const rule = matcher.violatedRule(log.app, log.messageKey, log.durationMs);
      if (!rule || (onlyRules && !onlyRules.has(ruleKeyOf(ruleKind(rule), rule.id)))) continue;
      violations.push({ log, rule, durationMs: log.durationMs });
    }
    return violations;
  }

  private async scanBatches(
    source: LogSource,
    cronId: number,
    options: ScanOptions,
    report: ScanReport,
    leaseLost: () => boolean,
  ): Promise<void> {
    const { ctx, cooldowns } = this.deps;
    const { matcher, rules } = await this.matcher();
    const request = await this.request(source, options, matcher, rules);
    const groups = new ScanGroups();
    const queue = new AlertQueue(cronId, cooldowns, ctx.config.publicUrl, this.now);
    // Resolved before any transaction: on SQLite the transaction holds the only connection.
    const destinations = await this.destinationsByRule(rules);
    let batches = 0;

    for await (const batch of source.scan(request)) {
      if (options.signal?.aborted) throw new Error('scan interrupted by shutdown');
      if (leaseLost()) throw new Error('scan lease lost (another scanner took over); stopping without saving');
      const now = this.now();
      const rows = this.judge(matcher, batch.candidates, options.onlyRules).map((v) =>
        toViolationRow(source.key, v, now),
      );
      const afterCommit: QueueResult['afterCommit'] = [];
      let fresh: RecordedViolation[] = [];
      await ctx.state.db.transaction().execute(async (trx) => {
        fresh = await recordNewViolations(trx, rows);
        const touched = groups.add(fresh);
        for (const key of touched) {
          const group = groups.get(key);
          const rule = rules.get(key);
          if (!group || !rule) continue;
          const result = await queue.queue(trx, group, rule, destinations.get(key) ?? []);
          report.alertsQueued += result.queued;
          afterCommit.push(...result.afterCommit);
        }
        if (request.mode === 'checkpoint') {
          await saveCheckpoint(trx, {
            source_key: source.key,
            cursor: batch.cursor,
            watermark: batch.watermark,
            updated_at: now,
          });
        }
      });
      for (const write of afterCommit) await cooldowns.set(ctx.state.db, write.ruleKey, write.state);

      this.publishViolations(fresh);
      countBatch(report, batch, fresh.length, ++batches, options);
    }
  }

  private async destinationsByRule(rules: Map<string, Rule>): Promise<Map<string, Destination[]>> {
    const { targets, config } = this.deps.ctx;
    const active = await targets.activeOfTypes(CHANNEL_TYPES);
    const byRule = new Map<string, Destination[]>();
    for (const [key, rule] of rules) {
      if (rule.is_active) byRule.set(key, destinationsFor(rule.alert_channels, active, config.telegram));
    }
    return byRule;
  }

  private async dryRun(options: ScanOptions): Promise<ScanReport> {
    const { ctx, cooldowns } = this.deps;
    const source = await this.deps.source();
    const { matcher, rules } = await this.matcher();
    const request = await this.request(source, options, matcher, rules);
    const report: ScanReport = {
      status: 'success',
      cronId: undefined,
      logsScanned: 0,
      candidates: 0,
      violations: 0,
      alertsQueued: 0,
      watermark: undefined,
    };
    const groups = new ScanGroups();
    const now = this.now();
    let batches = 0;
    for await (const batch of source.scan(request)) {
      const rows = this.judge(matcher, batch.candidates).map((v) => toViolationRow(source.key, v, now));
      const existing = new Set<string>();
      for (let i = 0; i < rows.length; i += 500) {
        const keys = rows.slice(i, i + 500).map((r) => r.dedupe_key);
        if (keys.length === 0) continue;
        const found = await ctx.state.db
          .selectFrom('violations')
          .select('dedupe_key')
          .where('dedupe_key', 'in', keys)
          .execute();
        for (const r of found) existing.add(r.dedupe_key);
      }
      const fresh = rows.filter((r) => !existing.has(r.dedupe_key));
      groups.add(fresh);
      countBatch(report, batch, fresh.length, ++batches, options);
    }
    report.wouldAlert = [];
    const destinations = await this.destinationsByRule(rules);
    for (const group of groups.all()) {
      const key = ruleKeyOf(group.ruleType, group.ruleId);
      const rule = rules.get(key);
      if (!rule) continue;
      const cooldown = await cooldowns.get(ctx.state.db, key);
      report.wouldAlert.push({
        rule_type: group.ruleType,
        rule_id: group.ruleId,
        app_name: group.app,
        message_key: group.messageKey,
        violations: group.count,
        in_cooldown: cooldown !== undefined && cooldown.until > now,
        destinations: destinations.get(key) ?? [],
      });
    }
    report.alertsQueued = report.wouldAlert
      .filter((a) => !a.in_cooldown)
      .reduce((n, a) => n + a.destinations.length, 0);
    return report;
  }

  private publishViolations(fresh: RecordedViolation[]): void {
    for (const v of fresh.slice(0, EVENTS_PER_BATCH)) {
      this.deps.ctx.events.publish({
        type: 'violation',
        data: {
          rule_type: v.rule_type,
          rule_id: v.rule_id,
          app_name: v.app_name,
          message_key: v.message_key ?? null,
          duration_ms: v.duration_ms,
          threshold_ms: v.threshold_ms,
          log_time: new Date(v.log_time).toISOString(),
          correlation_id: v.correlation_id ?? null,
        },
      });
    }
  }

  private publishScan(report: ScanReport, startedAt: number): void {
    this.deps.ctx.events.publish({
      type: 'scan',
      data: {
        status: report.status,
        logs_scanned: report.logsScanned,
        violations: report.violations,
        alerts: report.alertsQueued,
        started_at: new Date(startedAt).toISOString(),
        finished_at: new Date(this.now()).toISOString(),
        error: report.error ?? null,
      },
    });
  }
}

/** Adds one batch's figures to the report and tells the progress listener. */
function countBatch(report: ScanReport, batch: ScanBatch, violations: number, batches: number, options: ScanOptions) {
  report.logsScanned += batch.scanned;
  report.candidates += batch.candidates.length;
  report.violations += violations;
  report.watermark = batch.watermark;
  options.onProgress?.({
    batches,
    scanned: report.logsScanned,
    candidates: report.candidates,
    violations: report.violations,
    watermark: report.watermark,
  });
}
