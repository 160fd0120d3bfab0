import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { type AlertLogRow, alertRow, pageOfAlerts } from '../../alerts/alert-log.js';
import { alertRowDashboardUrl } from '../../alerts/dashboard-link.js';
import { notificationFacts, previewsOf } from '../../alerts/preview.js';
import { scrubSecrets, secretsOf } from '../../config/redact.js';
import { isoTime } from '../../logs/iso-time.js';
import { ChannelTypeField } from '../../rules/schemas.js';
import { parseRange } from '../../stats/time-range.js';
import { NotFoundError } from '../../validation/problems.js';
import type { HttpContext } from '../context.js';
import { errorResponses, pageOf, success, successEnvelope } from '../envelope.js';
import {
  AlertKindSchema,
  AlertOutput,
  AlertPreviewOutput,
  AlertRuleTypeSchema,
  AlertStatusSchema,
  FilterText,
  IdParams,
  MAX_ID,
  pageRequest,
  pagingFields,
} from '../schemas.js';
import { checkedQuery } from '../source-queries.js';

const AlertQuery = Type.Object(
  {
    ...pagingFields,
    status: Type.Optional(AlertStatusSchema),
    app_name: Type.Optional(FilterText('Only alerts of this app')),
    channel: Type.Optional(
      ChannelTypeField("Only alerts to this channel type (rows written with no active target: any of the rule's)"),
    ),
    kind: Type.Optional(AlertKindSchema),
    rule_type: Type.Optional(AlertRuleTypeSchema),
    rule_id: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID, description: 'Only alerts of this rule' })),
    from: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          'Only alerts queued from this time on: ISO 8601 (or epoch ms). With neither from nor to: every alert; with one: a 24-hour range',
      }),
    ),
    to: Type.Optional(
      Type.String({ maxLength: 64, description: 'Only alerts queued before this time: ISO 8601 (or epoch ms)' }),
    ),
  },
  { additionalProperties: false },
);

/** `GET /alerts`: the alert log (outbox), newest first. */
export function alertRoutes(ctx: HttpContext, now: () => number = Date.now): FastifyPluginAsyncTypebox {
  const secrets = secretsOf(ctx.config);
  const rowSecrets = (row: AlertLogRow) => [...secrets, ...ctx.channels.addressSecrets(row.channel, row.destination)];
  const toAlert = (row: AlertLogRow) => {
    const facts = notificationFacts(row.payload);
    const hidden = rowSecrets(row);
    return {
      ...rowFields(row),
      next_attempt_at: row.status === 'pending' ? isoTime(Number(row.next_attempt_at)) : null,
      correlation_ids: facts.correlationIds,
      first_at: facts.firstAt === null ? null : isoTime(facts.firstAt),
      last_at: facts.lastAt === null ? null : isoTime(facts.lastAt),
      dashboard_url: alertRowDashboardUrl(ctx.config.publicUrl, row),
      title: facts.title === null ? null : scrubSecrets(facts.title, hidden),
      sentence: facts.sentence === null ? null : scrubSecrets(facts.sentence, hidden),
    };
  };
  const rowFields = (row: AlertLogRow) => ({
    id: Number(row.id),
    rule_type: row.rule_type,
    rule_id: Number(row.rule_id),
    app_name: row.app_name,
    message_key: row.message_key,
    channel: row.channel,
    destination: ctx.channels.maskAddress(row.channel, row.destination),
    target_id: row.target_id === null ? null : Number(row.target_id),
    status: row.status,
    kind: row.kind,
    silence_id: row.silence_id === null ? null : Number(row.silence_id),
    attempts: Number(row.attempts),
    last_error: row.last_error === null ? null : scrubSecrets(row.last_error, rowSecrets(row)),
    violation_count: Number(row.violation_count),
    created_at: isoTime(Number(row.created_at)),
    sent_at: row.sent_at === null ? null : isoTime(Number(row.sent_at)),
  });

  return async (app) => {
    app.get(
      '/alerts',
      {
        schema: {
          tags: ['alerts'],
          summary: 'The alert log, newest first, paged',
          querystring: AlertQuery,
          response: { 200: successEnvelope(pageOf(AlertOutput)), ...errorResponses(400, 401, 422) },
        },
      },
      async (request) => {
        const { status, app_name, channel, kind, rule_type, rule_id, from, to } = request.query;
        // A time filter only when asked for: without one the log lists every alert, as it always did.
        const range =
          from || to ? checkedQuery(() => parseRange({ from, to }, now(), ctx.config.dashboardMaxDays)) : undefined;
        const found = await pageOfAlerts(
          ctx.state.db,
          { status, app_name, channel, kind, rule_type, rule_id, from: range?.from, to: range?.to },
          pageRequest(request.query),
        );
        return success({ ...found, items: found.items.map(toAlert) });
      },
    );

    app.get(
      '/alerts/:id/preview',
      {
        schema: {
          tags: ['alerts'],
          summary: 'What an alert log row said (or, held back, would have said), rendered per channel',
          params: IdParams,
          response: { 200: successEnvelope(AlertPreviewOutput), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const row = await alertRow(ctx.state.db, request.params.id);
        if (!row) throw new NotFoundError(`alert ${request.params.id}`);
        const hidden = rowSecrets(row);
        const scrub = (text: string) => scrubSecrets(text, hidden);
        const previews = previewsOf(row.payload, row.channel).map((p) => ({
          ...p,
          subject: p.subject === null ? null : scrub(p.subject),
          text: scrub(p.text),
        }));
        return success({ id: Number(row.id), status: row.status, previews });
      },
    );
  };
}
