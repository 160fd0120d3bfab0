/**
 * Alert latency benchmark: `npx tsx bench/latency.ts [samples]` (default 200).
 *
 * Runs `lagwatch start` in-process (startService on a loopback port, SQLite state and the
 * embedded store in a temp folder, SCAN_INTERVAL_SECONDS=1) with the Telegram stand-in as
 * TELEGRAM_API_BASE and TELEGRAM_CHAT_ID, and an app rule with cooldown 0 on telegram_chat.
 * Each sample POSTs one violating log to /ingest and times until the stand-in accepts its
 * alert. Telegram paces a chat to about one message a second, so all samples go to the one
 * default chat and each starts 1.1-1.6 s (random, so samples do not lock onto the scan tick)
 * after the previous alert arrived.
 * Goal: p99 under 2 s.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppContext } from '../src/app/create-context.js';
import { startService } from '../src/app/service.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logging/logger.js';
import { TelegramStandIn } from '../test/support/telegram-stand-in.js';

const samples = Number(process.argv[2] ?? 200);
if (!Number.isInteger(samples) || samples <= 0) {
  console.error('usage: npx tsx bench/latency.ts [samples]');
  process.exit(1);
}

const CHAT = '4200';
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const dir = mkdtempSync(join(tmpdir(), 'lagwatch-bench-latency-'));
const standIn = await TelegramStandIn.start();
const config = loadConfig(
  {
    LOG_LEVEL: 'silent',
    DB_DRIVER: 'sqlite',
    DB_DATABASE: join(dir, 'state.db'),
    EMBEDDED_LOG_DB: join(dir, 'logs.db'),
    SCAN_INTERVAL_SECONDS: '1',
    TELEGRAM_BOT_TOKEN: standIn.token,
    TELEGRAM_API_BASE: standIn.apiBase,
    TELEGRAM_CHAT_ID: CHAT,
  },
  undefined,
);
const ctx = createAppContext(config, createLogger({ logLevel: 'silent' }));
const service = await startService(ctx, { port: 0, host: '127.0.0.1' });
const base = service.server.address;

try {
  console.log(
    `bench/latency: Node ${process.version}, ${availableParallelism()} CPUs, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${samples} samples, all to the default chat, each 1.1-1.6 s after the previous alert`,
  );
  const rule = await fetch(`${base}/rules/app`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      app_name: 'checkout',
      max_duration: 500,
      alert_channels: ['telegram_chat'],
      cooldown_minutes: 0,
    }),
  });
  if (!rule.ok) throw new Error(`POST /rules/app: ${rule.status} ${await rule.text()}`);
  // Let the first (empty) scan set the checkpoint, so that every sample is an incremental scan.
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const body = JSON.stringify({
      '@timestamp': new Date().toISOString(),
      app_name: 'checkout',
      message_key: 'POST /orders',
      duration: 900 + i,
      correlation_id: `sample-${i}`,
    });
    const sentAt = Date.now();
    const response = await fetch(`${base}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
    });
    if (!response.ok) throw new Error(`POST /ingest: ${response.status} ${await response.text()}`);
    const received = await standIn.waitForMessages(i + 1, CHAT, 30_000);
    const message = received[i]!;
    if (!message.visibleText.includes(`sample-${i}`))
      throw new Error(`sample ${i}: unexpected alert ${message.visibleText}`);
    latencies.push(message.receivedAt - sentAt);
    if ((i + 1) % 50 === 0) console.log(`  ${i + 1} samples`);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, message.receivedAt + 1100 + Math.random() * 500 - Date.now())),
    );
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  console.log(
    `POST /ingest → alert at the Telegram stand-in: p50 ${percentile(sorted, 50)} ms, p90 ${percentile(sorted, 90)} ms, ` +
      `p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms, mean ${Math.round(mean)} ms (goal: p99 < 2000 ms)`,
  );
} finally {
  await service.close();
  await ctx.close();
  await standIn.close();
  rmSync(dir, { recursive: true, force: true });
}
