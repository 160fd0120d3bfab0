import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { metricsRegistry } from '../../metrics/registry.js';
import { refreshStateGauges } from '../../stats/state-gauges.js';
import type { HttpContext } from '../context.js';
import { errorResponses, failure, success, successEnvelope } from '../envelope.js';
import { readinessChecker } from '../readiness.js';

const CheckOutput = Type.Object({
  ok: Type.Boolean(),
  description: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  degraded: Type.Optional(Type.Boolean()),
  duration_ms: Type.Number(),
});

/** `/health` (liveness), `/ready` (dependencies reachable) and `/metrics` (Prometheus). */
export function operationsRoutes(ctx: HttpContext, readinessTimeoutMs: number): FastifyPluginAsyncTypebox {
  const checkReadiness = readinessChecker(ctx, readinessTimeoutMs);
  return async (app) => {
    const tags = ['operations'];
    app.get(
      '/health',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'Liveness: answers while the process serves requests (no token needed)',
          response: { 200: successEnvelope(Type.Object({ alive: Type.Boolean(), uptime_seconds: Type.Number() })) },
        },
      },
      async () => success({ alive: true, uptime_seconds: Math.round(process.uptime()) }),
    );

    app.get(
      '/ready',
      {
        schema: {
          tags,
          summary:
            'Readiness: the database, the log source and Redis (when configured) answer, and scans have not been failing for SELF_ALERT_AFTER_MINUTES; 503 names what is down; a failing alert channel makes it degraded',
          response: {
            200: successEnvelope(
              Type.Object({
                ready: Type.Boolean(),
                degraded: Type.Optional(Type.Array(Type.String())),
                checks: Type.Record(Type.String(), CheckOutput),
              }),
            ),
            ...errorResponses(401, 503),
          },
        },
      },
      async (_request, reply) => {
        const checks = await checkReadiness();
        const down = Object.entries(checks).filter(([, result]) => !result.ok);
        const degraded = Object.entries(checks)
          .filter(([, result]) => result.degraded)
          .map(([name, result]) => `${name}: ${result.description ?? 'degraded'}`);
        if (down.length === 0) return success({ ready: true, ...(degraded.length > 0 ? { degraded } : {}), checks });
        return reply.code(503).send(
          failure(
            'unavailable',
            `not ready: ${down.map(([name]) => name).join(', ')} ${down.length === 1 ? 'is' : 'are'} down`,
            down.map(([name, result]) => ({ field: name, message: result.error ?? 'is down' })),
          ),
        );
      },
    );

    app.get(
      '/metrics',
      { schema: { tags, summary: 'Prometheus metrics (text exposition format)' } },
      async (_request, reply) => {
        await refreshStateGauges(ctx.state.db, { self: { config: ctx.config, targets: ctx.targets } });
        const text = await metricsRegistry.metrics();
        return reply.type(metricsRegistry.contentType).send(text);
      },
    );
  };
}
