import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { HttpContext } from '../context.js';
import { errorResponses, success, successEnvelope } from '../envelope.js';
import { ChannelOutput } from '../schemas.js';

/** `GET /channels`: every channel lagwatch can send to, from the channel registry, in its order. */
export function channelRoutes(ctx: HttpContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/channels',
      {
        schema: {
          tags: ['alert targets'],
          summary: 'List the channel types targets and rules may use, and whether each is configured',
          response: { 200: successEnvelope(Type.Array(ChannelOutput)), ...errorResponses(401) },
        },
      },
      async () =>
        success(
          ctx.channels.providers.map((provider) => {
            const missing = provider.missingSetting(ctx.config) ?? null;
            return {
              type: provider.type,
              label: provider.label,
              address_label: provider.addressLabel ?? 'Address',
              address_hint: provider.addressHint,
              configured: missing === null,
              missing_setting: missing,
              secret_address: provider.secretAddress,
            };
          }),
        ),
    );
  };
}
