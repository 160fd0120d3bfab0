import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The one Prometheus registry of the process. `/metrics` serves it; the scanner and the alert
 * outbox register their own counters here (`new Counter({ ..., registers: [metricsRegistry] })`).
 */
export const metricsRegistry = new Registry();

// The event-loop delay monitor samples once a second: every wakeup of an idle process costs CPU
// (prom-client's default, 10 ms: about 0.4 CPU s a minute; 100 ms: about 0.07, a third of what
// `start` may use idle; 1 s: about 0.01). Every stall of a second or more is seen whole, shorter
// ones in proportion to their length (a 100 ms stall in one sample of ten).
collectDefaultMetrics({ register: metricsRegistry, eventLoopMonitoringPrecision: 1000 });

/** HTTP request durations by method, route pattern (not the raw URL: bounded cardinality) and status. */
export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Duration of HTTP requests in seconds, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
