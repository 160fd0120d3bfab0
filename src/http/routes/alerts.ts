import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Selectable } from 'kysely';
import Type from 'typebox';
import type { AppContext } from '../../app/context.js';
import { scrubSecrets, secretsOf } from '../../config/redact.js';
import { offsetOf } from '../../db/page.js';
import type { AlertLogTable } from '../../db/schema.js';
import { errorResponses, pageOf, success, successEnvelope } from '../envelope.js';
import { maskDestination } from '../mask-destination.js';
import { ChannelTypeSchema, FilterText, pageRequest, pagingFields } from '../schemas.js';

const AlertStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
  Type.Literal('suppressed'),
]);

const AlertQuery = Type.Object(
  {
    ...pagingFields,
    status: Type.Optional(AlertStatus),
    app_name: Type.Optional(FilterText('Only alerts of this app')),
    channel: Type.Optional(ChannelTypeSchema),
  },
  { additionalProperties: false },
);

const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const AlertOutput = Type.Object({
  id: Type.Integer(),
  rule_type: Type.Union([Type.Literal('app'), Type.Literal('message')]),
  rule_id: Type.Integer(),
  app_name: Type.String(),
  message_key: Type.Union([Type.String(), Type.Null()]),
  channel: Type.String({ description: 'telegram_chat, telegram_group, email or webhook' }),
  destination: Type.String({ description: 'Chat id, email address, or webhook URL with its secrets masked' }),
  target_id: Type.Union([Type.Integer(), Type.Null()]),
  status: AlertStatus,
  attempts: Type.Integer(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  violation_count: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  sent_at: NullableTime,
});

/** `GET /alerts`: the alert log (outbox), newest first. */
export function alertRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const secrets = secretsOf(ctx.config);
  const toAlert = (row: Selectable<AlertLogTable>) => ({
    id: Number(row.id),
    rule_type: row.rule_type,
    rule_id: Number(row.rule_id),
    app_name: row.app_name,
    message_key: row.message_key,
    channel: row.channel,
    destination: maskDestination(row.destination),
    target_id: row.target_id === null ? null : Number(row.target_id),
    status: row.status,
    attempts: Number(row.attempts),
    last_error: row.last_error === null ? null : scrubSecrets(row.last_error, secrets),
    violation_count: Number(row.violation_count),
    created_at: new Date(Number(row.created_at)).toISOString(),
    sent_at: row.sent_at === null ? null : new Date(Number(row.sent_at)).toISOString(),
  });

  return async (app) => {
    app.get(
      '/alerts',
      {
        schema: {
          tags: ['alerts'],
          summary: 'The alert log, newest first, paged',
          querystring: AlertQuery,
          response: { 200: successEnvelope(pageOf(AlertOutput)), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { status, app_name, channel } = request.query;
        const page = pageRequest(request.query);
        let query = ctx.state.db.selectFrom('alert_log');
        if (status !== undefined) query = query.where('status', '=', status);
        if (app_name !== undefined) query = query.where('app_name', '=', app_name);
        if (channel !== undefined) query = query.where('channel', '=', channel);
        const [{ total }] = await query.select((eb) => eb.fn.countAll<number>().as('total')).execute();
        const rows = await query
          .selectAll()
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(page.per_page)
          .offset(offsetOf(page))
          .execute();
        return success({ items: rows.map(toAlert), total: Number(total), ...page });
      },
    );
  };
}
