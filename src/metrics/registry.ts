import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The one Prometheus registry of the process. `/metrics` serves it; the scanner and the alert
 * outbox register their own counters here (`new Counter({ ..., registers: [metricsRegistry] })`).
 */
export const metricsRegistry = new Registry();

// The event-loop delay monitor samples every 100 ms (prom-client's default, 10 ms, wakes an idle
// process 100 times a second: about 0.4 CPU s a minute, more than everything else `start` does idle).
// Every stall of 100 ms or more is seen whole; shorter ones in part.
collectDefaultMetrics({ register: metricsRegistry, eventLoopMonitoringPrecision: 100 });

/** HTTP request durations by method, route pattern (not the raw URL: bounded cardinality) and status. */
export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Duration of HTTP requests in seconds, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
