import type { Command } from 'commander';
import { isoTime } from '../../logs/iso-time.js';
import { listCheckpoints } from '../../scan/checkpoints.js';
import { CronLog } from '../../scan/cron-log.js';
import type { ScanReport } from '../../scan/scan-report.js';
import { print, printJson, renderTable } from '../output.js';
import { formatCount, ProgressLine } from '../progress.js';
import { CommandError, withContext } from '../run.js';
import { requireCurrentSchema } from '../schema-check.js';

interface ScanCommandOptions {
  dryRun?: boolean;
  from?: string;
  to?: string;
  wait?: string;
  json?: boolean;
}

function parseTime(name: string, value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new CommandError(`--${name}: "${value}" is not an ISO 8601 time`);
  return ms;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : isoTime(ms));

export function registerScanCommands(program: Command): void {
  program
    .command('log:alert-scan')
    .description(
      'scan new logs once: record violations, queue and send grouped alerts; then judge self-alerts (scans failing, SELF_ALERT_AFTER_MINUTES)',
    )
    .option('--dry-run', 'report what would be recorded and sent; change nothing')
    .option('--from <time>', 'scan this window instead of resuming from the checkpoint (ISO 8601)')
    .option('--to <time>', 'end of the --from window (ISO 8601; default now)')
    .option('--wait <seconds>', 'wait this long for another running scan to finish', '0')
    .option('--json', 'print the report as JSON')
    .action((options: ScanCommandOptions) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        if (options.to && !options.from) throw new CommandError('--to needs --from');
        const range = options.from
          ? { from: parseTime('from', options.from), to: options.to ? parseTime('to', options.to) : Date.now() }
          : undefined;
        if (range && range.to <= range.from) throw new CommandError('--to must be after --from');
        const waitSeconds = Number(options.wait);
        if (!Number.isFinite(waitSeconds) || waitSeconds < 0)
          throw new CommandError('--wait takes a number of seconds');

        const { createScanServices } = await import('../../app/scan-services.js');
        const services = await createScanServices(ctx);
        const progress = new ProgressLine();
        try {
          const report = await services.scanner.run({
            dryRun: options.dryRun,
            range,
            waitForLeaseMs: waitSeconds * 1000,
            onProgress: (p) =>
              progress.update(
                `scanning: ${formatCount(p.scanned)} logs, ${formatCount(p.violations)} violations, up to ${iso(p.watermark) ?? '-'}`,
              ),
          });
          progress.done();
          // Self-alerts (scans failing, …) are judged after every real run, and sent at once even
          // when this scan failed: a cron-only installation has no other process to send them.
          const self =
            options.dryRun || range
              ? undefined
              : await services.selfMonitor.evaluate().catch((error: unknown) => {
                  ctx.logger.error({ err: error }, 'self-monitoring failed');
                  return undefined;
                });
          const deliver = !options.dryRun && (report.status === 'success' || (self?.queued ?? 0) > 0);
          const delivery = deliver ? await services.outbox.deliverDue() : undefined;
          if (options.json) printJson({ ...reportJson(report), delivery });
          else printReport(report, delivery, options.dryRun === true);
          if (report.status === 'skipped') {
            process.stderr.write(`lagwatch: ${report.error}; nothing scanned\n`);
            return 0;
          }
          if (report.status === 'failed') throw new CommandError(`scan failed: ${report.error}`);
          return 0;
        } finally {
          progress.done();
          await services.close();
        }
      }),
    );

  program
    .command('check:checkpoints')
    .description('show where each log source has been scanned up to, and how far behind now')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const now = Date.now();
        const items = (await listCheckpoints(ctx.state.db)).map((c) => ({
          source: c.source_key,
          cursor: c.cursor,
          watermark: iso(c.watermark),
          lag_seconds: Math.max(0, Math.round((now - c.watermark) / 1000)),
          updated_at: iso(c.updated_at),
        }));
        if (options.json) printJson(items);
        else if (items.length === 0) print('no checkpoint yet: no scan has run (run `lagwatch log:alert-scan`)');
        else
          print(
            renderTable(
              ['source', 'cursor', 'scanned up to', 'lag s', 'updated'],
              items.map((i) => [i.source, i.cursor, i.watermark, i.lag_seconds, i.updated_at]),
            ),
          );
        return 0;
      }),
    );

  program
    .command('check:cron-logs')
    .description('show the most recent scan runs with their counts and errors')
    .option('--limit <n>', 'how many runs', '20')
    .option('--json', 'print the result as JSON')
    .action((options: { limit: string; json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CommandError('--limit takes 1 to 1000');
        const rows = (await new CronLog(ctx.state.db).recent(limit)).map((r) => ({
          id: Number(r.id),
          command: r.command,
          status: r.status,
          started_at: iso(Number(r.started_at)),
          finished_at: r.finished_at === null ? null : iso(Number(r.finished_at)),
          duration_ms: r.finished_at === null ? null : Number(r.finished_at) - Number(r.started_at),
          logs_scanned: Number(r.logs_scanned),
          violations: Number(r.violations),
          alerts: Number(r.alerts),
          error: r.error,
          host: r.host,
          pid: Number(r.pid),
        }));
        if (options.json) printJson(rows);
        else if (rows.length === 0) print('no scan has run yet');
        else
          print(
            renderTable(
              ['id', 'started', 'status', 'ms', 'logs', 'violations', 'alerts', 'error'],
              rows.map((r) => [
                r.id,
                r.started_at,
                r.status,
                r.duration_ms,
                r.logs_scanned,
                r.violations,
                r.alerts,
                r.error?.slice(0, 80),
              ]),
            ),
          );
        return 0;
      }),
    );
}

function reportJson(report: ScanReport) {
  return {
    status: report.status,
    cron_id: report.cronId ?? null,
    logs_scanned: report.logsScanned,
    candidates: report.candidates,
    violations: report.violations,
    alerts_queued: report.alertsQueued,
    scanned_up_to: iso(report.watermark),
    error: report.error ?? null,
    ...(report.wouldAlert ? { would_alert: report.wouldAlert } : {}),
    ...(report.windowSeries ? { window_series: report.windowSeries } : {}),
  };
}

function printReport(
  report: ScanReport,
  delivery: { sent: number; failed: number; retrying: number } | undefined,
  dryRun: boolean,
): void {
  const verb = dryRun ? 'would record' : 'recorded';
  print(
    `${dryRun ? 'dry run: ' : ''}scanned ${formatCount(report.logsScanned)} logs, ${verb} ${formatCount(report.violations)} new violations` +
      (report.watermark !== undefined ? `, up to ${iso(report.watermark)}` : ''),
  );
  if (dryRun && report.wouldAlert) {
    for (const a of report.wouldAlert) {
      const where = a.destinations.map((d) => `${d.channel}:${d.address}`).join(', ') || 'no active target';
      print(
        `  ${a.rule_type} rule ${a.rule_id} (${a.app_name}${a.message_key ? ` / ${a.message_key}` : ''}): ${a.violations} violations → ${a.held_back ? `${a.held_back}, not sent` : where}`,
      );
    }
  }
  for (const s of report.windowSeries ?? []) {
    const value =
      s.value === null ? 'no value' : `${s.value.toLocaleString('en-US', { maximumFractionDigits: 1 })} ${s.unit}`;
    const change = s.state === s.state_before ? s.state : `${s.state_before} → ${s.state}`;
    const notice = s.event ? `, ${dryRun ? 'would queue' : 'queued'} ${s.event}` : '';
    print(
      `  ${s.rule_type} rule ${s.rule_id} "${s.name}" (${s.app_name}${s.message_key ? ` / ${s.message_key}` : ''}): ${value} from ${s.samples} logs${s.judged ? '' : ' (not judged)'}, ${change}${notice}`,
    );
  }
  if (!dryRun) {
    print(`queued ${report.alertsQueued} alerts`);
    if (delivery) print(`delivered: ${delivery.sent} sent, ${delivery.retrying} to retry, ${delivery.failed} failed`);
  }
}
