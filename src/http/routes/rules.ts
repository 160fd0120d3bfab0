import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppRuleCreate, AppRuleUpdate, MessageRuleCreate, MessageRuleUpdate, Name } from '../../rules/schemas.js';
import type { HttpContext } from '../context.js';
import { errorResponses, pageOf, success, successEnvelope } from '../envelope.js';
import { AppRuleOutput, DeletedOutput, IdParams, MessageRuleOutput, pageRequest, pagingFields } from '../schemas.js';

const AppRuleQuery = Type.Object(
  {
    ...pagingFields,
    app_name: Type.Optional(Name('Only the rule of this app')),
    is_active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) rules' })),
  },
  { additionalProperties: false },
);

const MessageRuleQuery = Type.Object(
  {
    ...pagingFields,
    app_name: Type.Optional(Name('Only rules of this app')),
    message_key: Type.Optional(Name('Only rules of this message key')),
    is_active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) rules' })),
  },
  { additionalProperties: false },
);

const readErrors = errorResponses(400, 401, 404);
const writeErrors = errorResponses(400, 401, 404, 409, 413, 415, 422);

/** `/rules/app`: one rule per application. */
export function appRuleRoutes(ctx: HttpContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['app rules'];
    const repo = ctx.appRules;
    app.get(
      '/rules/app',
      {
        schema: {
          tags,
          summary: 'List app rules, paged',
          querystring: AppRuleQuery,
          response: { 200: successEnvelope(pageOf(AppRuleOutput)), ...readErrors },
        },
      },
      async (request) => {
        const { app_name, is_active } = request.query;
        return success(await repo.list({ app_name, is_active }, pageRequest(request.query)));
      },
    );
    app.post(
      '/rules/app',
      {
        schema: {
          tags,
          summary: 'Create an app rule',
          body: AppRuleCreate,
          response: { 201: successEnvelope(AppRuleOutput), ...writeErrors },
        },
      },
      async (request, reply) => reply.code(201).send(success(await repo.create(request.body))),
    );
    app.get(
      '/rules/app/:id',
      {
        schema: {
          tags,
          summary: 'Read an app rule',
          params: IdParams,
          response: { 200: successEnvelope(AppRuleOutput), ...readErrors },
        },
      },
      async (request) => success(await repo.get(request.params.id)),
    );
    app.put(
      '/rules/app/:id',
      {
        schema: {
          tags,
          summary: 'Change an app rule (send only the fields to change)',
          params: IdParams,
          body: AppRuleUpdate,
          response: { 200: successEnvelope(AppRuleOutput), ...writeErrors },
        },
      },
      async (request) => success(await repo.update(request.params.id, request.body)),
    );
    app.delete(
      '/rules/app/:id',
      {
        schema: {
          tags,
          summary: 'Delete an app rule',
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

/** `/rules/message`: one rule per (application, message key). */
export function messageRuleRoutes(ctx: HttpContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['message rules'];
    const repo = ctx.messageRules;
    app.get(
      '/rules/message',
      {
        schema: {
          tags,
          summary: 'List message rules, paged',
          querystring: MessageRuleQuery,
          response: { 200: successEnvelope(pageOf(MessageRuleOutput)), ...readErrors },
        },
      },
      async (request) => {
        const { app_name, message_key, is_active } = request.query;
        return success(await repo.list({ app_name, message_key, is_active }, pageRequest(request.query)));
      },
    );
    app.post(
      '/rules/message',
      {
        schema: {
          tags,
          summary: 'Create a message rule',
          body: MessageRuleCreate,
          response: { 201: successEnvelope(MessageRuleOutput), ...writeErrors },
        },
      },
      async (request, reply) => reply.code(201).send(success(await repo.create(request.body))),
    );
    app.get(
      '/rules/message/:id',
      {
        schema: {
          tags,
          summary: 'Read a message rule',
          params: IdParams,
          response: { 200: successEnvelope(MessageRuleOutput), ...readErrors },
        },
      },
      async (request) => success(await repo.get(request.params.id)),
    );
    app.put(
      '/rules/message/:id',
      {
        schema: {
          tags,
          summary: 'Change a message rule (send only the fields to change)',
          params: IdParams,
          body: MessageRuleUpdate,
          response: { 200: successEnvelope(MessageRuleOutput), ...writeErrors },
        },
      },
      async (request) => success(await repo.update(request.params.id, request.body)),
    );
    app.delete(
      '/rules/message/:id',
      {
        schema: {
          tags,
          summary: 'Delete a message rule',
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
