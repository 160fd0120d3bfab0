import Type, { type Static } from 'typebox';
import { DEFAULT_PER_PAGE, MAX_PER_PAGE, type PageRequest } from '../db/page.js';
import { RULE_KINDS } from '../rules/kinds/registry.js';
import { ChannelTypeSchema, managedOutputFields } from '../rules/schemas.js';
import { SELF_RULE_TYPE } from '../self-monitoring/self-notification.js';

// Ids are positive integers that fit every driver's id column (INT / INT UNSIGNED).
export const MAX_ID = 2_147_483_647;

/** The kind of a rule, as alert log rows and incidents name it: one of the registry's kinds. */
export const RuleTypeSchema = Type.Unsafe<string>(
  Type.Union(
    RULE_KINDS.map((k) => Type.Literal(k.name)),
    { description: `The rule's kind: ${RULE_KINDS.map((k) => k.name).join(', ')}` },
  ),
);

/** The rule types of the alert log: every rule kind, and `self` (self-alerts, see src/self-monitoring). */
export const AlertRuleTypeSchema = Type.Unsafe<string>(
  Type.Union([...RULE_KINDS.map((k) => Type.Literal(k.name)), Type.Literal(SELF_RULE_TYPE)], {
    description: `The rule's kind (${RULE_KINDS.map((k) => k.name).join(', ')}), or ${SELF_RULE_TYPE} for lagwatch's own alerts`,
  }),
);

export const IdParams = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: MAX_ID, description: 'A positive integer id' }) },
  { additionalProperties: false },
);
export type IdParams = Static<typeof IdParams>;

export const pagingFields = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Page number, from 1 (default 1)' })),
  per_page: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_PER_PAGE,
      description: `Items per page (default ${DEFAULT_PER_PAGE}, at most ${MAX_PER_PAGE})`,
    }),
  ),
};

export function pageRequest(query: { page?: number; per_page?: number }): PageRequest {
  return { page: query.page ?? 1, per_page: query.per_page ?? DEFAULT_PER_PAGE };
}

export const FilterText = (description: string) => Type.String({ minLength: 1, maxLength: 191, description });

const IsoTime = (description: string) => Type.String({ format: 'date-time', description });

export { AppRuleOutput, MessageRuleOutput } from '../rules/kinds/per-log-output.js';

export const TargetOutput = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: ChannelTypeSchema,
  external_id: Type.String({
    description:
      'Chat id, email address, webhook URL…; masked when the channel says addresses are secrets (GET /channels: secret_address), except in the answer to the POST that created the target',
  }),
  is_active: Type.Boolean(),
  ...managedOutputFields,
  created_at: IsoTime('When the target was created'),
  updated_at: IsoTime('When the target was last changed'),
});

/** One channel of `GET /channels`. */
export const ChannelOutput = Type.Object({
  type: Type.String({ description: 'The target `type` and rule `alert_channels` name' }),
  label: Type.String({ description: 'The name people know it by: "Telegram group", "Email"' }),
  address_label: Type.String({ description: 'What the address field is called on forms: "Webhook URL"' }),
  address_hint: Type.String({ description: "What a target's external_id holds on this channel" }),
  configured: Type.Boolean({ description: 'Whether lagwatch has the settings it needs to send on it' }),
  missing_setting: Type.Union([Type.String(), Type.Null()], {
    description: 'The setting still missing (TELEGRAM_BOT_TOKEN, MAIL_HOST), or null when configured',
  }),
  secret_address: Type.Boolean({
    description:
      'The address is a secret (webhook URL, routing key): answers show it masked, except to the POST that created it',
  }),
});

/** The answer to `POST /targets/{id}/test`. */
export const TargetTestOutput = Type.Object({
  ok: Type.Boolean({ description: "Whether the channel's service accepted the test notification" }),
  channel: Type.String({ description: "The target's channel type" }),
  target_id: Type.Integer(),
  destination: Type.String({ description: 'The address, masked when it is a secret' }),
  reply: Type.String({
    description: 'What the service answered ("200 OK: ok"), or why the send failed; never a secret',
  }),
  retryable: Type.Union([Type.Boolean(), Type.Null()], {
    description: 'A failed send: whether the same send could work later (429, 5xx, timeouts); null when sent',
  }),
});

export const DeletedOutput = Type.Object({ deleted: Type.Integer({ description: 'The id that was deleted' }) });

export const AlertStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
  Type.Literal('suppressed'),
  Type.Literal('silenced'),
]);

/** `alert` for a rule's notification, `resolved` for the one that says it is back under its threshold. */
export const AlertKindSchema = Type.Union([Type.Literal('alert'), Type.Literal('resolved')]);

const NullableAlertTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const AlertOutput = Type.Object({
  id: Type.Integer(),
  rule_type: AlertRuleTypeSchema,
  rule_id: Type.Integer(),
  app_name: Type.String(),
  message_key: Type.Union([Type.String(), Type.Null()]),
  channel: Type.String({ description: 'The channel type (GET /channels lists them)' }),
  destination: Type.String({
    description: 'Chat id or email address; a secret address (webhook URL, routing key) masked',
  }),
  target_id: Type.Union([Type.Integer(), Type.Null()]),
  status: AlertStatusSchema,
  kind: AlertKindSchema,
  silence_id: Type.Union([Type.Integer(), Type.Null()], { description: 'The silence that held a silenced row back' }),
  attempts: Type.Integer(),
  last_error: Type.Union([Type.String(), Type.Null()], {
    description: 'Why a row failed, or why it was not sent (in cooldown, below count, silenced)',
  }),
  violation_count: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  sent_at: NullableAlertTime,
  next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'A pending row: when its next delivery attempt is due; null for the other statuses',
  }),
  correlation_ids: Type.Array(Type.String(), {
    description: "The correlation ids of the violations the notification quotes, worst first (each one's trace)",
  }),
  first_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Log time of the first violation it reported',
  }),
  last_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Log time of the last violation it reported',
  }),
  dashboard_url: Type.String({
    description: "The dashboard link its notification carried: the rule's violations from its first to its last",
  }),
  title: Type.Union([Type.String(), Type.Null()], {
    description:
      'The incident a window rule\'s or self-alert\'s notification is about ("lagwatch self-monitoring: scans failing"); null for per-log rules',
  }),
  sentence: Type.Union([Type.String(), Type.Null()], {
    description: 'The sentence a window rule or self-alert notification says it with; null for per-log rules',
  }),
});

export const AlertPreviewOutput = Type.Object({
  id: Type.Integer(),
  status: AlertStatusSchema,
  previews: Type.Array(
    Type.Object({
      channel: ChannelTypeSchema,
      subject: Type.Union([Type.String(), Type.Null()], { description: 'The email subject; null for other channels' }),
      text: Type.String({
        description:
          'As the reader sees it: the email text body, the Telegram message without markup, the webhook JSON',
      }),
    }),
    {
      description:
        "One per channel of the row (a row written with no active target stands for each of the rule's channels); empty when the stored notification cannot be read",
    },
  ),
});
