import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { LagwatchEvent } from './event.js';

/** Events one process published at once, tagged with that process's EventBus origin id. */
export interface EventBatch {
  origin: string;
  events: LagwatchEvent[];
}

/**
 * What carries live events between lagwatch processes: Redis pub/sub (redis-channel.ts) or the
 * state database's event_log table (event-log.ts).
 */
export interface EventChannel {
  readonly kind: 'redis' | 'database';
  /** Where the events travel, for logs and the server status (no secrets). */
  readonly description: string;
  /** Sends a batch to every process that receives; rejects when it could not be sent. */
  publish(batch: EventBatch): Promise<void>;
  /**
   * Starts handing over every batch published from now on by any process (this one's too: the
   * bus skips its own origin). Resolves once listening; never rejects for an unreachable
   * Redis or database (it keeps retrying and logs).
   */
  receive(deliver: (batch: EventBatch) => void): Promise<void>;
  /**
   * Whether anyone in this process listens (an open `/events` stream). A channel that has to
   * poll for events polls only while someone does; one that is pushed events ignores this.
   */
  setListening?(listening: boolean): void;
  /** Stops receiving and releases connections; publishing afterwards rejects. */
  close(): Promise<void>;
}

const EVENT_TYPES = ['violation', 'scan', 'alert', 'incident', 'ingest'] as const;

export const EventType = Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)));
const EventData = Type.Object({}, { additionalProperties: true });
const BatchSchema = Type.Object({
  origin: Type.String({ minLength: 1, maxLength: 64 }),
  events: Type.Array(Type.Object({ type: EventType, data: EventData })),
});
const checkBatch = Compile(BatchSchema);
const checkData = Compile(EventData);

/** A batch read from Redis, or undefined when it is not one lagwatch wrote. */
export function parseBatch(text: string): EventBatch | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return checkBatch.Check(value) ? (value as EventBatch) : undefined;
}

/** One event_log row's type and data as an event, or undefined when it is not one. */
export function parseEvent(type: string, data: string): LagwatchEvent | undefined {
  if (!(EVENT_TYPES as readonly string[]).includes(type)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  return checkData.Check(value) ? ({ type, data: value } as LagwatchEvent) : undefined;
}
