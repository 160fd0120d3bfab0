import { type AppProfile, DEMO_APPS, type KeyProfile, profileOf } from './profiles.js';
import { createRandom, type Random } from './random.js';

/** A log document in the `default` field preset. */
export interface DemoLog {
  '@timestamp': string;
  app_name: string;
  message_key: string;
  /** Milliseconds; absent on logs that time nothing. */
  duration?: number;
  correlation_id: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  host: string;
}

export interface GenerateOptions {
  /** The end of the generated window, epoch ms. */
  now: number;
  /** How many documents (default 1000). */
  count?: number;
  /** Same seed, same documents (default 1). */
  seed?: number;
  /** The window the documents spread over, ending at `now` (default one hour). */
  spanMs?: number;
}

/**
 * Every few minutes one application is slow for a while (a bad deploy, a cold cache): its
 * durations are multiplied. Which app and when follows from the time alone, so the pattern is
 * the same whether logs are generated in bulk or live.
 */
const BURST_PERIOD_MS = 7 * 60_000;
const BURST_LENGTH_MS = 45_000;
const BURST_FACTOR = 3.5;

export function slowdownAt(app: string, time: number): number {
  const period = Math.floor(time / BURST_PERIOD_MS);
  const slowApp = DEMO_APPS[period % DEMO_APPS.length]!.app;
  return app === slowApp && time - period * BURST_PERIOD_MS < BURST_LENGTH_MS ? BURST_FACTOR : 1;
}

const HOSTS: Record<string, string[]> = {
  'checkout-api': ['checkout-api-7d9f4', 'checkout-api-7d9f5', 'checkout-api-7d9f6'],
  'payments-worker': ['payments-worker-0', 'payments-worker-1'],
  'search-service': ['search-5b2c1', 'search-5b2c2'],
  'notifications-queue': ['notify-0'],
};

const DEBUG_MESSAGES: Record<string, { key: string; message: string }[]> = {
  'checkout-api': [
    { key: 'cache.miss', message: 'cart cache miss, loading from database' },
    { key: 'feature.flag', message: 'feature flag evaluated: one_click_checkout=on' },
  ],
  'payments-worker': [{ key: 'gateway.retry', message: 'payment gateway timed out, retrying' }],
  'search-service': [{ key: 'cache.miss', message: 'query cache miss' }],
  'notifications-queue': [{ key: 'queue.poll', message: 'polled queue, 0 messages waiting' }],
};

/** A builder of one request's logs at a start time; returns the documents it wrote. */
class TrafficWriter {
  constructor(private readonly random: Random) {}

  newCorrelationId(): string {
    return `${this.random.hex(8)}-${this.random.hex(4)}-4${this.random.hex(3)}-${this.random.hex(4)}-${this.random.hex(12)}`;
  }

  durationOf(app: string, profile: KeyProfile, time: number): number {
    return profile.medianMs * Math.exp(profile.sigma * this.random.normal()) * slowdownAt(app, time);
  }

  /** `typicalMs`: above it the log is a warning, above three times it an error. */
  timed(
    app: string,
    profile: KeyProfile,
    start: number,
    durationMs: number,
    correlationId: string,
    typicalMs = profile.medianMs * Math.exp(profile.sigma * 2),
  ): DemoLog {
    const typical = typicalMs;
    const failed = this.random.next() < 0.004;
    const level = failed || durationMs > typical * 3 ? 'error' : durationMs > typical ? 'warn' : 'info';
    const message = failed
      ? `${profile.message}: failed with upstream error`
      : level === 'info'
        ? profile.message
        : `${profile.message} (slow)`;
    return {
      '@timestamp': new Date(start).toISOString(),
      app_name: app,
      message_key: profile.key,
      duration: Math.round(durationMs * 10) / 10,
      correlation_id: correlationId,
      level,
      message,
      host: this.random.pick(HOSTS[app] ?? [app]),
    };
  }

  untimed(app: string, time: number, correlationId: string): DemoLog {
    const debug = this.random.pick(DEBUG_MESSAGES[app] ?? [{ key: 'debug', message: 'debug' }]);
    return {
      '@timestamp': new Date(time).toISOString(),
      app_name: app,
      message_key: debug.key,
      correlation_id: correlationId,
      level: 'debug',
      message: debug.message,
      host: this.random.pick(HOSTS[app] ?? [app]),
    };
  }

  /** One log of an app's own work, picked by the keys' weights, sometimes with a debug line. */
  standalone(start: number): DemoLog[] {
    const app = this.random.pick(DEMO_APPS);
    const profile = pickWeighted(this.random, app);
    const id = this.newCorrelationId();
    const logs = [this.timed(app.app, profile, start, this.durationOf(app.app, profile, start), id)];
    if (this.random.next() < 0.12) logs.push(this.untimed(app.app, start + this.random.int(5), id));
    return logs;
  }

  /**
   * A checkout: the API authorizes and captures the payment (synchronously), then queues a
   * confirmation email that the notifications queue sends a little later. One correlation id
   * spans all of it; each log's time is when its work started.
   */
  checkout(start: number): DemoLog[] {
    const id = this.newCorrelationId();
    const logs: DemoLog[] = [];
    const own = profileOf('checkout-api', 'POST /checkout');
    const authorize = profileOf('payments-worker', 'payment.authorize');
    const capture = profileOf('payments-worker', 'payment.capture');
    const email = profileOf('notifications-queue', 'email.send');

    if (this.random.next() < 0.3) logs.push(this.untimed('checkout-api', start + 1, id));
    const authorizeStart = start + 4 + this.random.int(8);
    const authorizeMs = this.durationOf('payments-worker', authorize, authorizeStart);
    const captureStart = authorizeStart + authorizeMs + 2 + this.random.int(4);
    const captureMs = this.durationOf('payments-worker', capture, captureStart);
    const checkoutMs = captureStart + captureMs - start + this.durationOf('checkout-api', own, start);
    const typicalCheckoutMs = 1100; // its own work plus both payment calls
    logs.push(this.timed('checkout-api', own, start, checkoutMs, id, typicalCheckoutMs));
    logs.push(this.timed('payments-worker', authorize, authorizeStart, authorizeMs, id));
    logs.push(this.timed('payments-worker', capture, captureStart, captureMs, id));
    const emailStart = start + checkoutMs + 20 + this.random.int(180);
    logs.push(
      this.timed(
        'notifications-queue',
        email,
        emailStart,
        this.durationOf('notifications-queue', email, emailStart),
        id,
      ),
    );
    return logs;
  }

  /** A search page: suggestions while typing, then the query itself. */
  search(start: number): DemoLog[] {
    const id = this.newCorrelationId();
    const suggest = profileOf('search-service', 'search.suggest');
    const query = profileOf('search-service', 'search.query');
    const suggestMs = this.durationOf('search-service', suggest, start);
    const queryStart = start + suggestMs + 300 + this.random.int(900);
    return [
      this.timed('search-service', suggest, start, suggestMs, id),
      this.timed('search-service', query, queryStart, this.durationOf('search-service', query, queryStart), id),
    ];
  }

  /** The logs of one request or job starting at `start`. */
  request(start: number): DemoLog[] {
    const roll = this.random.next();
    if (roll < 0.12) return this.checkout(start);
    if (roll < 0.3) return this.search(start);
    return this.standalone(start);
  }
}

function pickWeighted(random: Random, app: AppProfile): KeyProfile {
  const total = app.keys.reduce((sum, k) => sum + k.weight, 0);
  let roll = random.next() * total;
  for (const key of app.keys) {
    roll -= key.weight;
    if (roll < 0) return key;
  }
  return app.keys[app.keys.length - 1]!;
}

const byTime = (a: DemoLog, b: DemoLog) => a['@timestamp'].localeCompare(b['@timestamp']);

/**
 * Realistic log documents spread over the window ending at `now`, oldest first: several apps
 * and message keys, lognormal durations, bursts of slowness, traces that span apps, every level.
 * Logs whose work started inside the window but after `now` are left out.
 */
export function generateDemoLogs(options: GenerateOptions): DemoLog[] {
  const count = options.count ?? 1000;
  const spanMs = options.spanMs ?? 60 * 60_000;
  const writer = new TrafficWriter(createRandom(options.seed ?? 1));
  const random = createRandom((options.seed ?? 1) ^ 0x5eed);
  const logs: DemoLog[] = [];
  while (logs.length < count) {
    const start = options.now - spanMs + random.next() * spanMs;
    for (const log of writer.request(Math.floor(start))) {
      if (Date.parse(log['@timestamp']) <= options.now) logs.push(log);
    }
  }
  return logs.slice(0, count).sort(byTime);
}

export interface DemoTrafficOptions {
  /** Where the documents go (the embedded store's ingest, or POST /ingest). */
  ingest: (docs: object[]) => Promise<unknown>;
  /** Documents per second, on average. */
  ratePerSecond: number;
  /** Stops the loop; the returned promise then resolves. */
  signal: AbortSignal;
  seed?: number;
  /** How often a batch is written (default every second). */
  tickMs?: number;
  /** Called when an ingest fails; the loop goes on. */
  onError?: (error: unknown) => void;
  now?: () => number;
}

/**
 * Writes generated traffic until `signal` aborts: each tick, the logs of the requests that
 * started since the previous tick. Logs whose start lies beyond now wait for a later tick, so
 * traces arrive whole over time, as a real system would write them.
 */
export async function startDemoTraffic(options: DemoTrafficOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const tickMs = options.tickMs ?? 1000;
  const writer = new TrafficWriter(createRandom(options.seed ?? Date.now()));
  const random = createRandom((options.seed ?? Date.now()) ^ 0x5eed);
  let pending: DemoLog[] = [];
  let last = now();
  while (!options.signal.aborted) {
    await sleep(tickMs, options.signal);
    if (options.signal.aborted) break;
    const current = now();
    const elapsed = current - last;
    // Roughly 1.6 documents per request on average; jitter the rate a little.
    const requests = Math.round(((options.ratePerSecond * elapsed) / 1000 / 1.6) * (0.8 + random.next() * 0.4));
    for (let i = 0; i < requests; i++) pending.push(...writer.request(last + Math.floor(random.next() * elapsed)));
    last = current;
    const due = pending.filter((log) => Date.parse(log['@timestamp']) <= current).sort(byTime);
    pending = pending.filter((log) => Date.parse(log['@timestamp']) > current);
    if (due.length === 0) continue;
    try {
      await options.ingest(due);
    } catch (error) {
      options.onError?.(error);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
