import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf } from '../../access/principal.js';
import { newSilenceFrom } from '../../silences/new-silence.js';
import { SilenceCreate, SilenceOutput, SilenceQuery } from '../../silences/schemas.js';
import type { HttpContext } from '../context.js';
import { errorResponses, pageOf, success, successEnvelope } from '../envelope.js';
import { IdParams, pageRequest, pagingFields } from '../schemas.js';

const ListQuery = Type.Object({ ...pagingFields, ...SilenceQuery }, { additionalProperties: false });

const readErrors = errorResponses(400, 401, 404);
const writeErrors = errorResponses(400, 401, 404, 413, 415, 422);

/** `/silences`: hold back the notifications of an app (or one message key) for a while. */
export function silenceRoutes(ctx: HttpContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['silences'];
    const repo = ctx.silences;
    app.get(
      '/silences',
      {
        schema: {
          tags,
          summary: 'List silences, newest first, paged (filter active=true for those in force now)',
          querystring: ListQuery,
          response: { 200: successEnvelope(pageOf(SilenceOutput)), ...readErrors },
        },
      },
      async (request) => {
        const { active, app_name } = request.query;
        return success(await repo.list({ active, app_name }, pageRequest(request.query)));
      },
    );
    app.post(
      '/silences',
      {
        schema: {
          tags,
          summary: 'Create a silence: ends_at or duration_minutes; message_key omitted silences the whole app',
          body: SilenceCreate,
          response: { 201: successEnvelope(SilenceOutput), ...writeErrors },
        },
      },
      async (request, reply) => {
        const silence = await repo.create(newSilenceFrom(request.body, Date.now(), 'api'), actorOf(request));
        return reply.code(201).send(success(silence));
      },
    );
    app.get(
      '/silences/:id',
      {
        schema: {
          tags,
          summary: 'Read a silence',
          params: IdParams,
          response: { 200: successEnvelope(SilenceOutput), ...readErrors },
        },
      },
      async (request) => success(await repo.get(request.params.id)),
    );
    app.delete(
      '/silences/:id',
      {
        schema: {
          tags,
          summary: 'Expire a silence now (it is kept, ended, for the record)',
          params: IdParams,
          response: { 200: successEnvelope(SilenceOutput), ...readErrors },
        },
      },
      async (request) => success(await repo.expire(request.params.id, actorOf(request))),
    );
  };
}
