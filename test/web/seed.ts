import { createHash } from 'node:crypto';
import type { AppContext } from '../../src/app/context.js';
import { DEMO_RULES, DEMO_TARGETS, type DemoLog, generateDemoLogs } from '../../src/demo/index.js';
import type { EmbeddedLogStore } from '../../src/logs/embedded/embedded-log-store.js';

export interface SeededData {
  logs: DemoLog[];
  /** The violations recorded, as the scanner would have judged the logs by the demo rules. */
  violations: { app: string; messageKey: string; durationMs: number; correlationId: string }[];
}

/**
 * Seeds the demo's rules and targets through the repositories, generated logs through the
 * embedded store, and the violations those rules decide (computed here, independently of the
 * scanner: the most specific active rule decides, strictly greater than max_duration).
 */
export async function seedDemoData(
  ctx: AppContext,
  store: EmbeddedLogStore,
  options: { now: number; count: number; spanMs: number; seed: number },
): Promise<SeededData> {
  const appRules = await Promise.all(DEMO_RULES.app.map((r) => ctx.appRules.create(r, 'test')));
  const messageRules = await Promise.all(DEMO_RULES.message.map((r) => ctx.messageRules.create(r, 'test')));
  for (const target of DEMO_TARGETS) await ctx.targets.create(target, 'test');

  const logs = generateDemoLogs(options);
  const result = store.ingestDocuments(logs);
  if (result.rejected > 0) throw new Error(`the store rejected ${result.rejected} generated logs`);

  const violations: SeededData['violations'] = [];
  const rows = [];
  for (const [i, log] of logs.entries()) {
    if (log.duration === undefined) continue;
    const messageRule = messageRules.find(
      (r) => r.is_active && r.app_name === log.app_name && r.message_key === log.message_key,
    );
    const rule = messageRule ?? appRules.find((r) => r.is_active && r.app_name === log.app_name);
    if (!rule || log.duration <= rule.max_duration) continue;
    violations.push({
      app: log.app_name,
      messageKey: log.message_key,
      durationMs: log.duration,
      correlationId: log.correlation_id,
    });
    const time = Date.parse(log['@timestamp']);
    rows.push({
      dedupe_key: createHash('sha256').update(`seed-${i}`).digest('hex'),
      source_id: `seed-${i}`,
      rule_type: messageRule ? ('message' as const) : ('app' as const),
      rule_id: rule.id,
      app_name: log.app_name,
      message_key: log.message_key,
      duration_ms: log.duration,
      threshold_ms: rule.max_duration,
      log_time: time,
      correlation_id: log.correlation_id,
      level: log.level,
      message: log.message,
      created_at: time + 5_000,
    });
  }
  for (let i = 0; i < rows.length; i += 200) {
    await ctx.state.db
      .insertInto('violations')
      .values(rows.slice(i, i + 200))
      .execute();
  }
  return { logs, violations };
}
