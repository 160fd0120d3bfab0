import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The one Prometheus registry of the process. `/metrics` serves it; the scanner and the alert
 * outbox register their own counters here (`new Counter({ ..., registers: [metricsRegistry] })`).
 */
export const metricsRegistry = new Registry();

collectDefaultMetrics({ register: metricsRegistry });

/** HTTP request durations by method, route pattern (not the raw URL: bounded cardinality) and status. */
export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Duration of HTTP requests in seconds, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
