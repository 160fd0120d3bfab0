import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  AUDIT_ACTIONS,
  AUDIT_ENTITIES,
  type AuditAction,
  type AuditEntity,
  listChanges,
} from '../../audit/audit-log.js';
import type { HttpContext } from '../context.js';
import { errorResponses, pageOf, success, successEnvelope } from '../envelope.js';
import { FilterText, pageRequest, pagingFields } from '../schemas.js';

const Entity = (description: string) =>
  Type.Unsafe<AuditEntity>(
    Type.Union(
      AUDIT_ENTITIES.map((entity) => Type.Literal(entity)),
      { description },
    ),
  );

const AuditQuery = Type.Object(
  {
    ...pagingFields,
    entity: Type.Optional(Entity('Only changes to this kind of entity')),
    actor: Type.Optional(FilterText('Only changes by this actor (token:<name>, api_token, cli, telegram:@user, …)')),
    entity_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Only changes to this entity: its id, for rules with the kind (app:3, latency:12)',
      }),
    ),
  },
  { additionalProperties: false },
);

const EntityState = (description: string) =>
  Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description });

export const AuditOutput = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String({
    description:
      'Who: token:<name>, api_token (API_TOKEN), anonymous (no tokens configured), telegram:@user (or telegram:<user id>), cli, file:<path>',
  }),
  action: Type.Unsafe<AuditAction>(Type.Union(AUDIT_ACTIONS.map((action) => Type.Literal(action)))),
  entity: Entity('What kind of thing changed'),
  entity_id: Type.String({ description: 'Its id; for rules with the kind: app:3, latency:12' }),
  before: EntityState('The entity as the API answered it before (secrets masked); null on create'),
  after: EntityState('The entity as the API answers it after (secrets masked); null on delete'),
  changed_secrets: Type.Array(Type.String(), {
    description:
      "The secret fields (a target's external_id: webhook URL, routing key) this update set to another value; both values stay hidden, masked alike in before and after. [] when none changed",
  }),
});

/** `GET /audit`: who changed which rule, target, silence or token, newest first. */
export function auditRoutes(ctx: HttpContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/audit',
      {
        schema: {
          tags: ['audit'],
          summary:
            'The audit log: every change to rules, targets, silences and tokens with its actor, before and after; newest first, paged',
          querystring: AuditQuery,
          response: { 200: successEnvelope(pageOf(AuditOutput)), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { entity, actor, entity_id } = request.query;
        return success(await listChanges(ctx.state.db, { entity, actor, entity_id }, pageRequest(request.query)));
      },
    );
  };
}
