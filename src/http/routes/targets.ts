import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ChannelTypeSchema, TargetCreate, TargetUpdate } from '../../rules/schemas.js';
import type { HttpContext } from '../context.js';
import { errorResponses, pageOf, success, successEnvelope } from '../envelope.js';
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

/** `/targets`: where alerts go (Telegram chats and groups, email addresses, webhooks). */
export function targetRoutes(ctx: HttpContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['alert targets'];
    const repo = ctx.targets;
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
        return success(await repo.list({ type, is_active }, pageRequest(request.query)));
      },
    );
    app.post(
      '/targets',
      {
        schema: {
          tags,
          summary: 'Create an alert target (external_id is checked against the type)',
          body: TargetCreate,
          response: { 201: successEnvelope(TargetOutput), ...writeErrors },
        },
      },
      async (request, reply) => reply.code(201).send(success(await repo.create(request.body))),
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
      async (request) => success(await repo.get(request.params.id)),
    );
    app.put(
      '/targets/:id',
      {
        schema: {
          tags,
          summary: 'Change an alert target (send only the fields to change)',
          params: IdParams,
          body: TargetUpdate,
          response: { 200: successEnvelope(TargetOutput), ...writeErrors },
        },
      },
      async (request) => success(await repo.update(request.params.id, request.body)),
    );
    app.delete(
      '/targets/:id',
      {
        schema: {
          tags,
          summary: 'Delete an alert target',
          params: IdParams,
          response: { 200: successEnvelope(DeletedOutput), ...readErrors },
        },
      },
      async (request) => {
        await repo.delete(request.params.id);
        return success({ deleted: request.params.id });
      },
    );
  };
}
