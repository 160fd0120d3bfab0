import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import {
  DEMO_APPS,
  DEMO_RULES,
  DEMO_TARGETS,
  type DemoLog,
  generateDemoLogs,
  slowdownAt,
  startDemoTraffic,
} from '../../src/demo/index.js';
import { extractLog } from '../../src/logs/fields.js';
import { AppRuleCreate, MessageRuleCreate, TargetCreate } from '../../src/rules/schemas.js';
import { schemaProblems } from '../../src/validation/problems.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const DAY = 24 * 3_600_000;

/** The deciding rule as DESIGN.md says: an active message rule, else the app's active rule. */
function violates(log: DemoLog): boolean {
  if (log.duration === undefined) return false;
  const rule =
    DEMO_RULES.message.find((r) => r.is_active && r.app_name === log.app_name && r.message_key === log.message_key) ??
    DEMO_RULES.app.find((r) => r.is_active && r.app_name === log.app_name);
  return rule !== undefined && log.duration > rule.max_duration;
}

describe('generateDemoLogs', () => {
  const logs = generateDemoLogs({ now: NOW, count: 20_000, seed: 3, spanMs: DAY });

  it('is deterministic per seed, sorted, within the window, and of the requested size', () => {
    expect(generateDemoLogs({ now: NOW, count: 500, seed: 9 })).toEqual(
      generateDemoLogs({ now: NOW, count: 500, seed: 9 }),
    );
    expect(generateDemoLogs({ now: NOW, count: 500, seed: 9 })).not.toEqual(
      generateDemoLogs({ now: NOW, count: 500, seed: 10 }),
    );
    expect(logs).toHaveLength(20_000);
    const times = logs.map((l) => Date.parse(l['@timestamp']));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(NOW - DAY);
    expect(Math.max(...times)).toBeLessThanOrEqual(NOW);
  });

  it('writes documents the default field preset reads completely', () => {
    const fields = loadConfig({}, undefined).fields;
    for (const doc of logs.slice(0, 2000)) {
      const extracted = extractLog(doc, fields);
      expect(extracted.ok).toBe(true);
      if (!extracted.ok) continue;
      expect(extracted.log.app).toBe(doc.app_name);
      expect(extracted.log.messageKey).toBe(doc.message_key);
      expect(extracted.log.correlationId).toBe(doc.correlation_id);
      expect(extracted.log.durationMs).toBe(doc.duration ?? null);
    }
  });

  it('covers every app, several keys each, every level, and logs without duration', () => {
    for (const app of DEMO_APPS) {
      const keys = new Set(logs.filter((l) => l.app_name === app.app).map((l) => l.message_key));
      for (const key of app.keys) expect(keys.has(key.key), `${app.app} ${key.key}`).toBe(true);
    }
    expect(new Set(logs.map((l) => l.level))).toEqual(new Set(['debug', 'info', 'warn', 'error']));
    expect(logs.some((l) => l.duration === undefined)).toBe(true);
  });

  it('has traces that span apps', () => {
    const appsById = new Map<string, Set<string>>();
    for (const log of logs)
      appsById.set(log.correlation_id, (appsById.get(log.correlation_id) ?? new Set()).add(log.app_name));
    const spanning = [...appsById.values()].filter((apps) => apps.size >= 3).length;
    expect(spanning).toBeGreaterThan(100);
  });

  it('is slower during bursts, and violates the demo rules at a visible but modest rate', () => {
    const inBurst = logs.filter(
      (l) => l.duration !== undefined && slowdownAt(l.app_name, Date.parse(l['@timestamp'])) > 1,
    );
    const outside = logs.filter(
      (l) => l.duration !== undefined && slowdownAt(l.app_name, Date.parse(l['@timestamp'])) === 1,
    );
    const median = (list: DemoLog[]) =>
      list.map((l) => l.duration!).sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
    expect(inBurst.length).toBeGreaterThan(100);
    expect(median(inBurst)).toBeGreaterThan(2 * median(outside));

    const rate = logs.filter(violates).length / logs.length;
    expect(rate).toBeGreaterThan(0.003);
    expect(rate).toBeLessThan(0.05);
    expect(inBurst.filter(violates).length / inBurst.length).toBeGreaterThan(rate * 5);
  });
});

describe('DEMO_RULES and DEMO_TARGETS', () => {
  it('are valid inputs of the rule and target schemas, unique as the API requires', () => {
    for (const rule of DEMO_RULES.app) expect(schemaProblems(AppRuleCreate, rule)).toEqual([]);
    for (const rule of DEMO_RULES.message) expect(schemaProblems(MessageRuleCreate, rule)).toEqual([]);
    for (const target of DEMO_TARGETS) expect(schemaProblems(TargetCreate, target)).toEqual([]);
    expect(new Set(DEMO_RULES.app.map((r) => r.app_name)).size).toBe(DEMO_RULES.app.length);
    expect(new Set(DEMO_RULES.message.map((r) => `${r.app_name} ${r.message_key}`)).size).toBe(
      DEMO_RULES.message.length,
    );
  });
});

describe('startDemoTraffic', () => {
  it('ingests batches of due logs at about the asked rate until aborted', async () => {
    let clock = NOW;
    const batches: object[][] = [];
    const controller = new AbortController();
    const done = startDemoTraffic({
      ratePerSecond: 50,
      seed: 1,
      tickMs: 1,
      now: () => clock,
      signal: controller.signal,
      ingest: async (docs) => {
        batches.push(docs);
        if (batches.length === 30) controller.abort();
      },
    });
    // Each tick the clock moves one simulated second.
    const advance = setInterval(() => {
      clock += 1000;
    }, 1);
    await done;
    clearInterval(advance);
    const docs = batches.flat() as DemoLog[];
    expect(batches).toHaveLength(30);
    expect(docs.length).toBeGreaterThan(30 * 10);
    for (const batch of batches as DemoLog[][]) {
      const times = batch.map((d) => d['@timestamp']);
      expect([...times].sort()).toEqual(times);
    }
  });

  it('keeps going when an ingest fails, reporting the error', async () => {
    let clock = NOW;
    const errors: unknown[] = [];
    let calls = 0;
    const controller = new AbortController();
    const advance = setInterval(() => {
      clock += 1000;
    }, 1);
    await startDemoTraffic({
      ratePerSecond: 20,
      seed: 2,
      tickMs: 1,
      now: () => clock,
      signal: controller.signal,
      onError: (error) => errors.push(error),
      ingest: async () => {
        calls++;
        if (calls >= 3) controller.abort();
        throw new Error('store is down');
      },
    });
    clearInterval(advance);
    expect(calls).toBe(3);
    expect(errors).toHaveLength(3);
  });
});
