import { CLI_ACTOR } from '../access/principal.js';
import { isChannelConfigured } from '../alerts/channels/registry.js';
import type { AppContext } from '../app/context.js';
import type { RunningService } from '../app/service.js';
import { EmbeddedLogStore } from '../logs/embedded/embedded-log-store.js';
import { ConflictError } from '../validation/problems.js';
import { generateDemoLogs, startDemoTraffic } from './generate.js';
import { DEMO_RULES, DEMO_TARGETS } from './rules.js';

export interface RunningDemo {
  stop(): Promise<void>;
}

/**
 * Seeds the demo rules and targets (once), back-fills the last hour with generated traffic so
 * the dashboard has figures at once, then keeps writing live traffic into the embedded store.
 */
export async function startDemo(
  ctx: AppContext,
  service: RunningService,
  options: { ratePerSecond: number },
): Promise<RunningDemo> {
  const store = await service.services.source();
  if (!(store instanceof EmbeddedLogStore)) throw new Error('the demo needs the embedded log store');

  const ignoreDuplicate = async (create: () => Promise<unknown>) => {
    try {
      await create();
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  };
  for (const rule of DEMO_RULES.app) await ignoreDuplicate(() => ctx.appRules.create(rule, CLI_ACTOR));
  for (const rule of DEMO_RULES.message) await ignoreDuplicate(() => ctx.messageRules.create(rule, CLI_ACTOR));
  // Sample targets stay inactive unless their channel is configured (MAIL_HOST for email);
  // the alert log then shows each notification as suppressed, with what it would have said.
  for (const target of DEMO_TARGETS) {
    const usable = target.type !== 'webhook' && isChannelConfigured(ctx.config, target.type);
    await ignoreDuplicate(() =>
      ctx.targets.create({ ...target, is_active: usable && target.is_active !== false }, CLI_ACTOR),
    );
  }

  const ingest = async (docs: object[]) => {
    const result = store.ingestLines(docs.map((doc, i) => ({ lineNumber: i + 1, text: JSON.stringify(doc) })));
    ctx.events.publish({ type: 'ingest', data: { accepted: result.accepted, rejected: result.rejected } });
    service.scheduler.poke();
    return result;
  };

  const now = Date.now();
  const summary = await store.summary({ from: now - 3_600_000, to: now });
  if (summary.totalLogs === 0) {
    const history = generateDemoLogs({ now, count: Math.round(options.ratePerSecond * 3600), seed: now % 100_000 });
    for (let i = 0; i < history.length; i += 5000) await ingest(history.slice(i, i + 5000));
  }

  const abort = new AbortController();
  const loop = startDemoTraffic({
    ingest,
    ratePerSecond: options.ratePerSecond,
    signal: abort.signal,
    onError: (error) => ctx.logger.warn({ err: error }, 'demo traffic could not be stored'),
  });
  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
