import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Notifier } from '../../alerts/channels/notifier.js';
import { sendTargetTest } from '../../alerts/target-test.js';
import { secretsOf } from '../../config/redact.js';
import type { HttpContext } from '../context.js';
import { errorResponses, success, successEnvelope } from '../envelope.js';
import { IdParams, TargetTestOutput } from '../schemas.js';

/**
 * `POST /targets/{id}/test`: the test notification through the target's channel, now and
 * directly (not through the outbox). A send the service refused or that could not reach it is
 * still a 200, with `ok: false` and the reason in `reply`; 404 for an unknown target.
 */
export function targetTestRoutes(ctx: HttpContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Made on the first test: notifiers hold pacing state (their own, apart from the scanner's).
    let notifiers: Map<string, Notifier> | undefined;
    const secrets = secretsOf(ctx.config);
    app.post(
      '/targets/:id/test',
      {
        schema: {
          tags: ['alert targets'],
          summary: "Send a test notification to a target now, and say what its channel's service answered",
          params: IdParams,
          response: { 200: successEnvelope(TargetTestOutput), ...errorResponses(400, 401, 404, 413, 415) },
        },
      },
      async (request) => {
        const target = await ctx.targets.get(request.params.id);
        notifiers ??= ctx.channels.createNotifiers(ctx.config, { logger: ctx.logger });
        const result = await sendTargetTest(
          { channels: ctx.channels, notifiers, publicUrl: ctx.config.publicUrl, secrets },
          target,
        );
        ctx.logger.info(
          { target_id: result.target_id, channel: result.channel, ok: result.ok },
          result.ok ? 'test notification sent' : 'test notification failed',
        );
        return success(result);
      },
    );
  };
}
