import { Redis } from 'ioredis';
import type { RedisConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { createRedis } from '../redis/client.js';
import { type EventBatch, type EventChannel, parseBatch } from './channel.js';

/**
 * Pub/sub ignores the database number: the channel carries it, so two installations that keep
 * their keys apart by REDIS_DB keep their events apart too.
 */
export const eventChannelName = (config: RedisConfig) => `lagwatch:events:db${config.db}`;

/**
 * Live events through Redis pub/sub: a batch is one PUBLISH of JSON; every server holds a
 * subscriber connection. Both connections open on first use, so a command that publishes
 * nothing never connects. ioredis reconnects and subscribes again by itself after an outage.
 */
export class RedisEventChannel implements EventChannel {
  readonly kind = 'redis';
  readonly description: string;
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;
  private closed = false;

  constructor(
    private readonly config: RedisConfig,
    private readonly logger: Logger,
    private readonly channel = eventChannelName(config),
  ) {
    this.description = `Redis pub/sub on ${config.host}:${config.port} (channel ${this.channel})`;
  }

  async publish(batch: EventBatch): Promise<void> {
    if (this.closed) throw new Error('the Redis event channel is closed');
    if (!this.publisher) {
      this.publisher = createRedis(this.config);
      // Failures reach the caller through the rejected PUBLISH; ioredis also emits them here.
      this.publisher.on('error', () => {});
    }
    await this.publisher.publish(this.channel, JSON.stringify(batch));
  }

  async receive(deliver: (batch: EventBatch) => void): Promise<void> {
    if (this.closed || this.subscriber) return;
    // Waits for Redis instead of failing the subscription while it is down.
    const subscriber = new Redis({
      host: this.config.host,
      port: this.config.port,
      password: this.config.password,
      connectTimeout: 5_000,
      maxRetriesPerRequest: null,
    });
    this.subscriber = subscriber;
    let failing = false;
    subscriber.on('error', (error: Error) => {
      if (!failing) this.logger.warn({ err: error }, 'live events: Redis subscriber cannot connect; retrying');
      failing = true;
    });
    subscriber.on('ready', () => {
      if (failing) this.logger.info('live events: Redis subscriber connected again');
      failing = false;
    });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const batch = parseBatch(message);
      if (batch) deliver(batch);
      else this.logger.warn({ channel }, 'live events: ignored a message that is not a lagwatch event batch');
    });
    const subscribed = subscriber.subscribe(this.channel).then(
      () => undefined,
      (error: unknown) => {
        if (!this.closed) this.logger.warn({ err: error }, 'live events: cannot subscribe to Redis');
      },
    );
    // Resolve once subscribed, or after a while when Redis is down (the subscription stays queued).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      subscribed,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5_000);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  async close(): Promise<void> {
    this.closed = true;
    const connections = [this.publisher, this.subscriber].filter((c): c is Redis => c !== undefined);
    this.publisher = undefined;
    this.subscriber = undefined;
    await Promise.all(
      connections.map((c) =>
        c.status === 'ready'
          ? c.quit().then(
              () => undefined,
              () => c.disconnect(),
            )
          : c.disconnect(),
      ),
    );
  }
}
