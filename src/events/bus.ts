import { EventEmitter } from 'node:events';

/** What happened, as the dashboard's live stream (`GET /events`) reports it. */
export type LagwatchEvent =
  | {
      type: 'violation';
      data: {
        rule_type: 'app' | 'message';
        rule_id: number;
        app_name: string;
        message_key: string | null;
        duration_ms: number;
        threshold_ms: number;
        log_time: string;
        correlation_id: string | null;
      };
    }
  | {
      type: 'scan';
      data: {
        status: 'success' | 'failed' | 'skipped';
        logs_scanned: number;
        violations: number;
        alerts: number;
        started_at: string;
        finished_at: string;
        error: string | null;
      };
    }
  | {
      type: 'alert';
      data: {
        id: number;
        status: 'sent' | 'failed' | 'suppressed';
        channel: string;
        app_name: string;
        message_key: string | null;
        violation_count: number;
      };
    }
  | { type: 'ingest'; data: { accepted: number; rejected: number } };

/** In-process publish/subscribe for LagwatchEvents; one per running lagwatch. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every open /events stream subscribes; do not warn at the default of 10.
    this.emitter.setMaxListeners(0);
  }

  publish(event: LagwatchEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: LagwatchEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
