import type { Kysely } from 'kysely';
import { CHANNEL_TYPES } from '../alerts/channels/registry.js';
import type { CooldownStore } from '../alerts/cooldown.js';
import { destinationsFor } from '../alerts/destinations.js';
import { ruleKeyOf } from '../alerts/grouping.js';
import type { ActiveSilences } from '../alerts/noise-decision.js';
import type { Destination } from '../alerts/notification.js';
import type { Config } from '../config/config.js';
import { newHolderId } from '../db/holder-id.js';
import type { Database } from '../db/schema.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logging/logger.js';
import { isoTime } from '../logs/iso-time.js';
import type { LogRecord } from '../logs/log-record.js';
import type { LogSource, ScanBatch, ScanRequest, TimeRange } from '../logs/source.js';
import { recordIncident, recordScan } from '../metrics/scan-metrics.js';
import type { RuleStores, WindowRule } from '../rules/kinds/kind.js';
import { WINDOW_KINDS } from '../rules/kinds/registry.js';
import { RuleMatcher } from '../rules/matcher.js';
import type { RuleRepository } from '../rules/rule-repository.js';
import type { TargetRepository } from '../rules/target-repository.js';
import type { Rule } from '../rules/types.js';
import { toViolationRow, type Violation } from '../violations/violation-row.js';
import { readCheckpoint } from './checkpoints.js';
import { CronLog } from './cron-log.js';
import { judgedRuleKeys, markRulesJudged } from './judged-rules.js';
import { acquireOrReclaim, type Lease } from './lease.js';
import { RecordedCandidatesCache } from './recorded-candidates.js';
import { emptyReport, type ScanReport } from './scan-report.js';
import { type BatchSink, RecordingSink, ReportingSink, type ScanPlan } from './sinks.js';
import { evaluateWindowRules, type IncidentChange, type KindedWindowRule } from './window-evaluation.js';
import { coveredUntil, windowReaderOf } from './window-preview.js';

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

/** What a scan reads and writes through (the application context has it all). */
export interface ScanContext {
  config: Pick<Config, 'scan' | 'publicUrl' | 'telegram'>;
  logger: Logger;
  state: { db: Kysely<Database> };
  appRules: Pick<RuleRepository<'app'>, 'all'>;
  messageRules: Pick<RuleRepository<'message'>, 'all'>;
  targets: Pick<TargetRepository, 'activeOfTypes'>;
  silences: ActiveSilences;
  events: EventBus;
  /** Where the window kinds' rules are read from (see rules/kinds/registry.ts). */
  ruleStores: Pick<RuleStores, 'windowRules'>;
}

export interface ScannerDeps {
  ctx: ScanContext;
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

// Short and renewed: a holder on another host that died frees the lease within LEASE_TTL_MS; one on
// this host at once (acquireOrReclaim).
const LEASE_TTL_MS = 15_000;
const LEASE_RENEW_MS = 5_000;
/** How long the probe reuses its plan. */
const PROBE_PLAN_MS = 10_000;

/**
 * One scan: take the lease, read candidate logs from the source in batches, judge each with
 * the deciding rule, and per batch, in one transaction, record the new violations, queue their
 * grouped notifications and advance the checkpoint. Every run leaves a cron log row.
 */
export class Scanner {
  private readonly now: () => number;
  private readonly holder = newHolderId();
  private readonly recorded = new RecordedCandidatesCache();
  /** What the probe last planned (see pendingScanAt); dropped by every run. */
  private probePlan: { request: Extract<ScanRequest, { mode: 'checkpoint' }>; at: number } | undefined;

  constructor(private readonly deps: ScannerDeps) {
    this.now = deps.now ?? Date.now;
  }

  async run(options: ScanOptions = {}): Promise<ScanReport> {
    if (options.dryRun) return this.dryRun(options);
    this.probePlan = undefined;
    const { ctx, lease } = this.deps;
    const cronLog = new CronLog(ctx.state.db, this.now);
    const cronId = await cronLog.start('log:alert-scan');
    const report = emptyReport(cronId);
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

    // One sink per pass: each pass groups and queues its own notifications.
    const record = async (passOptions: ScanOptions) => {
      const sink = new RecordingSink({
        db: ctx.state.db,
        cooldowns: this.deps.cooldowns,
        silences: ctx.silences,
        events: ctx.events,
        publicUrl: ctx.config.publicUrl,
        scanId: cronId,
        now: this.now,
        report,
        continueOrThrow: () => {
          if (options.signal?.aborted) throw new Error('scan interrupted by shutdown');
          if (leaseLost) throw new Error('scan lease lost (another scanner took over); stopping without saving');
        },
      });
      await this.scanBatches(source, await this.plan(source, passOptions), passOptions, report, sink);
    };

    try {
      const scanNow = this.now();
      const judging = options.range ? undefined : await this.judgeRecentLogsForNewRules(source, options, record);
      await record(options);
      if (judging) {
        await markRulesJudged(ctx.state.db, source.key, judging.ruleKeys, judging.known, this.now());
      }
      if (!options.range) {
        if (leaseLost) throw new Error('scan lease lost (another scanner took over); stopping without saving');
        const evaluation = await this.evaluateWindows(source, scanNow, cronId, false);
        report.alertsQueued += evaluation.alertsQueued;
        if (evaluation.series.length > 0) report.windowSeries = evaluation.series;
        this.publishIncidents(evaluation.incidents);
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
    options: ScanOptions,
    record: (options: ScanOptions) => Promise<void>,
  ): Promise<{ ruleKeys: string[]; known: Set<string> }> {
    const { ctx } = this.deps;
    const { rules } = await this.readRules();
    const known = await judgedRuleKeys(ctx.state.db, source.key);
    const active = [...rules].filter(([, rule]) => rule.is_active).map(([key]) => key);
    const fresh = new Set(active.filter((key) => !known.has(key)));
    // Without a checkpoint the scan itself starts SCAN_INITIAL_LOOKBACK_MINUTES back. Up to now:
    // what the checkpoint scan then reads again is recorded once (the violations' unique key).
    if (fresh.size > 0 && (await readCheckpoint(ctx.state.db, source.key))) {
      const to = this.now();
      const from = to - ctx.config.scan.initialLookbackMinutes * 60_000;
      await record({ ...options, range: { from, to }, onlyRules: fresh });
    }
    return { ruleKeys: active, known };
  }

  /**
   * The window rules, evaluated over the log time the scans have covered: up to the checkpoint's
   * watermark, or for the embedded store (which a scan reads up to every log committed before
   * it started) up to the scan's start. Also closes the incidents of rules no longer active.
   */
  private async evaluateWindows(source: LogSource, scanNow: number, scanId: number | null, dryRun: boolean) {
    const { ctx } = this.deps;
    const read = windowReaderOf(source);
    const rules: KindedWindowRule[] = [];
    for (const kind of WINDOW_KINDS) {
      for (const rule of await ctx.ruleStores.windowRules(kind.name).all()) {
        if (rule.is_active) rules.push({ kind, rule: rule as WindowRule });
      }
    }
    const end = await coveredUntil(source, ctx.state.db, scanNow, ctx.config.scan.lagSeconds);
    const active = await ctx.targets.activeOfTypes(CHANNEL_TYPES);
    return evaluateWindowRules({
      db: ctx.state.db,
      read,
      rules,
      destinations: (rule) => destinationsFor(rule.alert_channels, active, ctx.config.telegram),
      silences: ctx.silences,
      publicUrl: ctx.config.publicUrl,
      scanId,
      end,
      now: this.now(),
      dryRun,
    });
  }

  /**
   * When a scan would find a candidate not read before (epoch ms, now or later), for sources
   * that can tell cheaply (Elasticsearch); undefined when there is none, or the source cannot
   * tell or cannot be reached.
   */
  async pendingScanAt(): Promise<number | undefined> {
    const source = await this.deps.source();
    if (!source.pendingScanAt) return undefined;
    // Idle, `start` probes every few seconds: the plan (rules, checkpoint: database reads) is reused
    // for PROBE_PLAN_MS and dropped by every scan. A plan older than the checkpoint only widens what
    // the probe reads; a rule changed meanwhile is seen by the next probe plan or scan.
    const now = this.now();
    if (!this.probePlan || now - this.probePlan.at >= PROBE_PLAN_MS) {
      const { request } = await this.plan(source, {});
      if (request.mode !== 'checkpoint') return undefined;
      this.probePlan = { request, at: now };
    }
    return source.pendingScanAt({ ...this.probePlan.request, now });
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
      if (await acquireOrReclaim(this.deps.lease, leaseName, this.holder, LEASE_TTL_MS)) return true;
      if (this.now() >= deadline || options.signal?.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** The rules, the matcher built from them, where each rule's alerts go, and the source request. */
  private async plan(source: LogSource, options: ScanOptions): Promise<ScanPlan> {
    const { targets, config, state } = this.deps.ctx;
    const [{ apps, messages, rules }, active] = await Promise.all([
      this.readRules(),
      targets.activeOfTypes(CHANNEL_TYPES),
    ]);
    const destinations = new Map<string, Destination[]>();
    for (const [key, rule] of rules) {
      // Resolved before any transaction: on SQLite the transaction holds the only connection.
      if (rule.is_active) destinations.set(key, destinationsFor(rule.alert_channels, active, config.telegram));
    }
    const matcher = new RuleMatcher(apps, messages);
    const all = matcher.lowestThresholds();
    const onlyApps = options.onlyRules && new Set([...options.onlyRules].map((key) => rules.get(key)?.app_name));
    const thresholds = onlyApps ? new Map([...all].filter(([app]) => onlyApps.has(app))) : all;
    const batchSize = config.scan.batchSize;
    let request: ScanRequest;
    if (options.range) request = { mode: 'range', range: options.range, batchSize, thresholds };
    else {
      const checkpoint = await readCheckpoint(state.db, source.key);
      // Only Elasticsearch re-reads an overlap (and stores what it recorded there).
      const recorded =
        source.kind === 'elasticsearch' ? await this.recorded.forCheckpoint(state.db, source.key, checkpoint) : [];
      request = { mode: 'checkpoint', cursor: checkpoint?.cursor, now: this.now(), batchSize, thresholds, recorded };
    }
    return { sourceKey: source.key, matcher, rules, destinations, request, onlyRules: options.onlyRules };
  }

  private async readRules() {
    const [apps, messages] = await Promise.all([this.deps.ctx.appRules.all(), this.deps.ctx.messageRules.all()]);
    const rules = new Map<string, Rule>();
    for (const rule of apps) rules.set(ruleKeyOf('app', rule.id), rule);
    for (const rule of messages) rules.set(ruleKeyOf('message', rule.id), rule);
    return { apps, messages, rules };
  }

  private judge(plan: ScanPlan, logs: readonly LogRecord[]): Violation[] {
    const violations: Violation[] = [];
    for (const log of logs) {
      if (log.app === null || log.durationMs === null) continue;
      const found = plan.matcher.violation(log.app, log.messageKey, log.durationMs);
      if (!found || (plan.onlyRules && !plan.onlyRules.has(ruleKeyOf(found.kind, found.rule.id)))) continue;
      violations.push({ log, kind: found.kind, rule: found.rule, durationMs: log.durationMs });
    }
    return violations;
  }

  /** The one batch pipeline of real and dry runs: read, judge, hand each batch to the sink, count, finish. */
  private async scanBatches(
    source: LogSource,
    plan: ScanPlan,
    options: ScanOptions,
    report: ScanReport,
    sink: BatchSink,
  ): Promise<void> {
    let batches = 0;
    for await (const batch of source.scan(plan.request)) {
      sink.continueOrThrow?.();
      const now = this.now();
      const rows = this.judge(plan, batch.candidates).map((v) => toViolationRow(source.key, v, now));
      const fresh = await sink.take(plan, batch, rows);
      countBatch(report, batch, fresh, ++batches, options);
    }
    await sink.finish?.(plan);
  }

  /** Reads and judges like a real run, records nothing and tells what a real run would queue. */
  private async dryRun(options: ScanOptions): Promise<ScanReport> {
    const { ctx, cooldowns } = this.deps;
    const source = await this.deps.source();
    const plan = await this.plan(source, options);
    const report = emptyReport(undefined);
    const sink = new ReportingSink(ctx.state.db, ctx.silences);
    const scanNow = this.now();
    await this.scanBatches(source, plan, options, report, sink);
    if (!options.range) {
      const { series } = await this.evaluateWindows(source, scanNow, null, true);
      if (series.length > 0) report.windowSeries = series;
    }
    report.wouldAlert = await sink.wouldAlert(plan, cooldowns, this.now());
    report.alertsQueued = report.wouldAlert
      .filter((a) => a.held_back === null)
      .reduce((n, a) => n + a.destinations.length, 0);
    return report;
  }

  /** Tells the live stream and the counters about incidents the evaluation committed. */
  private publishIncidents(incidents: readonly IncidentChange[]): void {
    for (const incident of incidents) {
      recordIncident(incident.rule_type, incident.state);
      this.deps.ctx.events.publish({ type: 'incident', data: incident });
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
        started_at: isoTime(startedAt),
        finished_at: isoTime(this.now()),
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
