import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf } from '../../access/principal.js';
import { tokenExpiry } from '../../access/token-expiry.js';
import {
  CreatedTokenOutput,
  createdTokenOutput,
  TokenCreate,
  TokenOutput,
  tokenOutput,
  WhoamiOutput,
} from '../../access/token-schemas.js';
import { ANONYMOUS } from '../auth.js';
import type { HttpContext } from '../context.js';
import { errorResponses, pageOf, success, successEnvelope } from '../envelope.js';
import { IdParams, pageRequest, pagingFields } from '../schemas.js';

const ListQuery = Type.Object({ ...pagingFields }, { additionalProperties: false });

const readErrors = errorResponses(400, 401, 403, 404);
const writeErrors = errorResponses(400, 401, 403, 404, 409, 413, 415, 422);

/**
 * `/tokens` (admin): API tokens, each with a scope; the secret is shown once, in the answer that
 * creates it. `/whoami`: who the request's token is, for any valid token.
 */
export function tokenRoutes(ctx: HttpContext, now: () => number): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['access'];
    app.get(
      '/whoami',
      {
        config: { access: 'authenticated' },
        schema: {
          tags,
          summary:
            "The request's token: actor, scope, name and expiry (any valid token; without authentication the anonymous admin)",
          response: { 200: successEnvelope(WhoamiOutput), ...errorResponses(401) },
        },
      },
      async (request) => {
        const principal = request.principal ?? ANONYMOUS;
        const token = principal.tokenId === null ? undefined : await ctx.tokens.get(principal.tokenId);
        return success({
          actor: principal.actor,
          scope: principal.scope,
          name: token?.name ?? null,
          expires_at: token?.expires_at == null ? null : new Date(token.expires_at).toISOString(),
        });
      },
    );
    app.get(
      '/tokens',
      {
        schema: {
          tags,
          summary: 'List API tokens, revoked and expired ones too (status), in id order, paged; never their secrets',
          querystring: ListQuery,
          response: { 200: successEnvelope(pageOf(TokenOutput)), ...readErrors },
        },
      },
      async (request) => {
        const { page, per_page } = pageRequest(request.query);
        const all = await ctx.tokens.list();
        const at = now();
        const items = all.slice((page - 1) * per_page, page * per_page).map((token) => tokenOutput(token, at));
        return success({ items, total: all.length, page, per_page });
      },
    );
    app.post(
      '/tokens',
      {
        schema: {
          tags,
          summary:
            'Create an API token: name, scope, optional expires ("90d") or expires_at; the answer holds the secret, shown only there',
          body: TokenCreate,
          response: { 201: successEnvelope(CreatedTokenOutput), ...writeErrors },
        },
      },
      async (request, reply) => {
        const { name, scope } = request.body;
        const expires_at = tokenExpiry(request.body, now());
        const { token, secret } = await ctx.tokens.create({ name, scope, expires_at }, actorOf(request));
        return reply.code(201).send(success(createdTokenOutput(token, secret)));
      },
    );
    app.delete(
      '/tokens/:id',
      {
        schema: {
          tags,
          summary:
            'Revoke a token: refused from the next request on, in every lagwatch process; it stays listed as revoked',
          params: IdParams,
          response: { 200: successEnvelope(TokenOutput), ...readErrors },
        },
      },
      async (request) => success(tokenOutput(await ctx.tokens.revoke(request.params.id, actorOf(request)), now())),
    );
  };
}
