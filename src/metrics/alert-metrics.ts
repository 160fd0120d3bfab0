import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from './registry.js';

const registers = [metricsRegistry];

const deliveries = new Counter({
  name: 'lagwatch_alert_deliveries_total',
  help: 'Delivery attempts of this process by channel and outcome: sent, retrying (will be retried), failed (given up)',
  labelNames: ['channel', 'outcome'] as const,
  registers,
});
const sendDuration = new Histogram({
  name: 'lagwatch_alert_send_duration_seconds',
  help: 'Time a channel took to accept or refuse one notification (all parts of a split message)',
  labelNames: ['channel'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers,
});

export function recordDelivery(channel: string, outcome: 'sent' | 'retrying' | 'failed', seconds: number): void {
  deliveries.inc({ channel, outcome });
  sendDuration.observe({ channel }, Math.max(0, seconds));
}
