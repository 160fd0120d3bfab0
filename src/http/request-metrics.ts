import type { FastifyInstance } from 'fastify';
import { httpRequestDuration } from '../metrics/registry.js';

/** Observes every answer in `http_request_duration_seconds`, labelled by the route pattern. */
export function installRequestMetrics(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    // The pattern (/rules/app/:id), never the raw URL, keeps label cardinality bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    httpRequestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
