import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from '../logging/logger.js';
import type { EventBatch, EventChannel } from './channel.js';
import type { LagwatchEvent } from './event.js';

export type { LagwatchEvent } from './event.js';

/** How live events travel, for the server status and `diagnose`. */
export interface EventsStatus {
  /** `local`: this process only (no channel, e.g. tests). */
  transport: 'local' | 'redis' | 'database';
  description: string;
  /** True while this process receives the events other processes publish (`start`). */
  receiving: boolean;
  /** Events this process handed to the channel. */
  published: number;
  /** Events this process could not hand to the channel (each failure is logged). */
  failed: number;
  /** Events received from other processes. */
  received: number;
  last_error: string | null;
  last_error_at: string | null;
}

export interface EventBusOptions {
  /** Shares events with every other lagwatch process; without it events stay in this process. */
  channel?: EventChannel;
  /** Where publishing failures are logged (required with a channel to see them). */
  logger?: Logger;
}

/** Events waiting to be sent at most; past this the oldest are dropped (and counted as failed). */
const MAX_QUEUED = 10_000;
const BATCH = 500;
const FAILURE_LOG_EVERY_MS = 60_000;

/**
 * Publish/subscribe for LagwatchEvents, one per process. Subscribers get this process's events
 * at once and, with a channel and once `start()` ran, every other process's events as they
 * arrive: each event is delivered once, since a process skips its own events coming back.
 * Publishing never waits or throws: events are sent in the background, and a channel that fails
 * loses the events, never the scan or delivery that published them.
 */
export class EventBus {
  /** Tags this process's events on the channel. */
  readonly origin = randomUUID();
  private readonly emitter = new EventEmitter();
  private readonly channel: EventChannel | undefined;
  private readonly logger: Logger | undefined;
  private queue: LagwatchEvent[] = [];
  private sending: Promise<void> | undefined;
  private receiving = false;
  private closing: Promise<void> | undefined;
  private counts = { published: 0, failed: 0, received: 0 };
  private lastError: { message: string; at: number } | undefined;
  private lastFailureLog = 0;
  private unlogged = 0;

  constructor(options: EventBusOptions = {}) {
    // Every open /events stream subscribes; do not warn at the default of 10.
    this.emitter.setMaxListeners(0);
    this.channel = options.channel;
    this.logger = options.logger;
  }

  publish(event: LagwatchEvent): void {
    this.emitter.emit('event', event);
    if (!this.channel || this.closing) return;
    if (this.queue.length >= MAX_QUEUED) this.fail(this.queue.splice(0, 1).length, new Error('publish queue full'));
    this.queue.push(event);
    this.sending ??= this.send(this.channel);
  }

  subscribe(listener: (event: LagwatchEvent) => void): () => void {
    this.emitter.on('event', listener);
    this.listenersChanged();
    return () => {
      this.emitter.off('event', listener);
      this.listenersChanged();
    };
  }

  /** Starts receiving the events other processes publish (a no-op without a channel). */
  async start(): Promise<void> {
    if (!this.channel || this.receiving || this.closing) return;
    this.receiving = true;
    this.listenersChanged();
    await this.channel.receive((batch) => this.deliver(batch));
  }

  /** Other processes' events matter only while someone here listens: a polling channel rests meanwhile. */
  private listenersChanged(): void {
    this.channel?.setListening?.(this.emitter.listenerCount('event') > 0);
  }

  /** Sends what is still queued, then stops receiving and closes the channel. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.sending;
      this.receiving = false;
      await this.channel?.close();
    })();
    return this.closing;
  }

  status(): EventsStatus {
    return {
      transport: this.channel?.kind ?? 'local',
      description: this.channel?.description ?? 'this process only',
      receiving: this.receiving,
      ...this.counts,
      last_error: this.lastError?.message ?? null,
      last_error_at: this.lastError ? new Date(this.lastError.at).toISOString() : null,
    };
  }

  private deliver(batch: EventBatch): void {
    if (batch.origin === this.origin || !this.receiving) return;
    for (const event of batch.events) {
      this.counts.received += 1;
      this.emitter.emit('event', event);
    }
  }

  private async send(channel: EventChannel): Promise<void> {
    // Let the publishers of this turn (a scan batch's violations) join one batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const events = this.queue.splice(0, BATCH);
      try {
        await channel.publish({ origin: this.origin, events });
        this.counts.published += events.length;
      } catch (error) {
        this.fail(events.length, error);
      }
    }
    this.sending = undefined;
  }

  /** Counts lost events; logs the first failure and then at most once a minute. */
  private fail(lost: number, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const now = Date.now();
    this.counts.failed += lost;
    this.lastError = { message, at: now };
    this.unlogged += lost;
    if (now - this.lastFailureLog < FAILURE_LOG_EVERY_MS) return;
    this.lastFailureLog = now;
    this.logger?.warn(
      { err: error, lost_events: this.unlogged, transport: this.channel?.kind },
      'live events could not be published to other lagwatch processes (the scan and alerts are not affected)',
    );
    this.unlogged = 0;
  }
}
