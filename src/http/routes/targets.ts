import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf } from '../../access/principal.js';
import { privateDestinationReason } from '../../alerts/channels/private-address.js';
import { ChannelTypeSchema, TargetCreate, TargetUpdate } from '../../rules/schemas.js';
import type { AlertTarget, ChannelType } from '../../rules/types.js';
import { ValidationError } from '../../validation/problems.js';
import type { HttpContext } from '../context.js';
import { errorResponses, ManagedConflict, pageOf, success, successEnvelope } from '../envelope.js';
import { DeletedOutput, IdParams, pageRequest, pagingFields, TargetOutput } from '../schemas.js';

const TargetQuery = Type.Object(
  {
    ...pagingFields,
    type: Type.Optional(ChannelTypeSchema),
    is_active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) targets' })),
  },
  { additionalProperties: false },
);

const readErrors = errorResponses(400, 401, 404);
const writeErrors = errorResponses(400, 401, 404, 409, 413, 415, 422);
/** A change to one that a rules file manages is refused with 409 `managed_by_file`. */
const changeErrors = { ...writeErrors, 409: ManagedConflict };
const deleteErrors = { ...readErrors, 409: ManagedConflict };

/** `/targets`: where alerts go (Telegram chats and groups, email addresses, webhooks). */
export function targetRoutes(ctx: HttpContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['alert targets'];
    const repo = ctx.targets;
    /**
     * WEBHOOK_DENY_PRIVATE at creation, for every URL-addressed channel: 422 naming external_id
     * (the send checks again).
     */
    const checkDestination = async (type: ChannelType, externalId: string) => {
      if (!ctx.config.webhookDenyPrivate || ctx.channels.targetAddressProblem(type, externalId)) return;
      const url = httpUrlOf(externalId);
      if (!url) return;
      const reason = await privateDestinationReason(url);
      if (reason) throw new ValidationError([{ field: 'external_id', message: `is refused: ${reason}` }]);
    };
    /**
     * A target as answers show it: a secret address (webhook URL, routing key) masked. Only the
     * answer to the POST that created it shows it in full; a PUT's answer masks it too (the
     * caller sent it, and a changed secret is not shown back either).
     */
    const shown = (target: AlertTarget): AlertTarget => ctx.channels.shownTarget(target);
    app.get(
      '/targets',
      {
        schema: {
          tags,
          summary: 'List alert targets, paged',
          querystring: TargetQuery,
          response: { 200: successEnvelope(pageOf(TargetOutput)), ...readErrors },
        },
      },
      async (request) => {
        const { type, is_active } = request.query;
        const page = await repo.list({ type, is_active }, pageRequest(request.query));
        return success({ ...page, items: page.items.map(shown) });
      },
    );
    app.post(
      '/targets',
      {
        schema: {
          tags,
          summary:
            'Create an alert target (external_id is checked against the type; this answer is the only one that shows a secret external_id in full)',
          body: TargetCreate,
          response: { 201: successEnvelope(TargetOutput), ...writeErrors },
        },
      },
      async (request, reply) => {
        await checkDestination(request.body.type, request.body.external_id);
        return reply.code(201).send(success(await repo.create(request.body, actorOf(request))));
      },
    );
    app.get(
      '/targets/:id',
      {
        schema: {
          tags,
          summary: 'Read an alert target',
          params: IdParams,
          response: { 200: successEnvelope(TargetOutput), ...readErrors },
        },
      },
      async (request) => success(shown(await repo.get(request.params.id))),
    );
    app.put(
      '/targets/:id',
      {
        schema: {
          tags,
          summary: 'Change an alert target (send only the fields to change)',
          params: IdParams,
          body: TargetUpdate,
          response: { 200: successEnvelope(TargetOutput), ...changeErrors },
        },
      },
      async (request) => {
        const { type, external_id } = request.body;
        if (ctx.config.webhookDenyPrivate && (type !== undefined || external_id !== undefined)) {
          const current = await repo.get(request.params.id);
          await checkDestination(type ?? current.type, external_id ?? current.external_id);
        }
        return success(shown(await repo.update(request.params.id, request.body, actorOf(request))));
      },
    );
    app.delete(
      '/targets/:id',
      {
        schema: {
          tags,
          summary: 'Delete an alert target',
          params: IdParams,
          response: { 200: successEnvelope(DeletedOutput), ...deleteErrors },
        },
      },
      async (request) => {
        await repo.delete(request.params.id, actorOf(request));
        return success({ deleted: request.params.id });
      },
    );
  };
}

function httpUrlOf(address: string): URL | undefined {
  if (!/^https?:\/\//i.test(address)) return undefined;
  try {
    return new URL(address);
  } catch {
    return undefined;
  }
}
