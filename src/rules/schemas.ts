import Type, { type Static, type TLiteral } from 'typebox';
import { CHANNEL_TYPES } from './types.js';

/** One of CHANNEL_TYPES (the one list of channel types). */
// A tuple type, so that Static<> is the union of the literals (map() alone types an array).
type LiteralsOf<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };
export const ChannelTypeSchema = Type.Union(
  CHANNEL_TYPES.map((type) => Type.Literal(type)) as LiteralsOf<typeof CHANNEL_TYPES>,
);

/**
 * What a name may not hold anywhere: C0 and C1 control characters, DEL, lone surrogates (they
 * cannot be stored as UTF-8, so two different names would be stored alike) and bidirectional
 * controls (text that reads differently than it is). Matched with the `u` flag, where a class
 * of surrogates matches only unpaired ones.
 */
export const UNPRINTABLE_CLASS = '\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff\\u202a-\\u202e\\u2066-\\u2069';

/**
 * Names are printable text without those characters and without white space at either end
 * (MySQL/MariaDB compare 'a' and 'a ' as equal; names that cannot carry trailing spaces behave
 * alike on every driver); lengths fit the database columns. Also used for list filters on names.
 */
export const Name = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 191,
    pattern: `^[^\\s${UNPRINTABLE_CLASS}](?:[^${UNPRINTABLE_CLASS}]*[^\\s${UNPRINTABLE_CLASS}])?$`,
    description,
  });

export const Channels = Type.Array(ChannelTypeSchema, {
  minItems: 1,
  maxItems: CHANNEL_TYPES.length,
  uniqueItems: true,
  description: `Channel types that receive the alert: ${CHANNEL_TYPES.join(', ')}`,
});

const ruleFields = {
  app_name: Name('Application name as logged'),
  max_duration: Type.Number({ exclusiveMinimum: 0, maximum: 1e12, description: 'Threshold in milliseconds' }),
  is_active: Type.Boolean({ description: 'Inactive rules decide nothing' }),
  alert_channels: Channels,
  cooldown_minutes: Type.Integer({
    minimum: 0,
    maximum: 525_600,
    description: 'Minutes after an alert during which no further alert for this rule is sent',
  }),
  min_count: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    description: 'With window_minutes: violations needed within the window before a notification is due (default 1)',
  }),
  window_minutes: Type.Integer({
    minimum: 0,
    maximum: 10_080,
    description: 'Count window in minutes of log time; 0 (default) turns it off',
  }),
  notify_resolved: Type.Boolean({
    description: 'After an alert, send one "resolved" notification once the rule is quiet (default false)',
  }),
  resolve_after_minutes: Type.Integer({
    minimum: 1,
    maximum: 10_080,
    description: 'Minutes of scanned log time without a violation after which the rule counts as resolved (default 10)',
  }),
};

const noiseFields = {
  min_count: Type.Optional(ruleFields.min_count),
  window_minutes: Type.Optional(ruleFields.window_minutes),
  notify_resolved: Type.Optional(ruleFields.notify_resolved),
  resolve_after_minutes: Type.Optional(ruleFields.resolve_after_minutes),
};

export const AppRuleCreate = Type.Object(
  {
    app_name: ruleFields.app_name,
    max_duration: ruleFields.max_duration,
    is_active: Type.Optional(ruleFields.is_active),
    alert_channels: ruleFields.alert_channels,
    cooldown_minutes: Type.Optional(ruleFields.cooldown_minutes),
    ...noiseFields,
  },
  { additionalProperties: false },
);
export type AppRuleCreate = Static<typeof AppRuleCreate>;

export const AppRuleUpdate = Type.Object(
  {
    app_name: Type.Optional(ruleFields.app_name),
    max_duration: Type.Optional(ruleFields.max_duration),
    is_active: Type.Optional(ruleFields.is_active),
    alert_channels: Type.Optional(ruleFields.alert_channels),
    cooldown_minutes: Type.Optional(ruleFields.cooldown_minutes),
    ...noiseFields,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type AppRuleUpdate = Static<typeof AppRuleUpdate>;

export const MessageRuleCreate = Type.Object(
  {
    app_name: ruleFields.app_name,
    message_key: Name('Message key as logged'),
    max_duration: ruleFields.max_duration,
    is_active: Type.Optional(ruleFields.is_active),
    alert_channels: ruleFields.alert_channels,
    cooldown_minutes: Type.Optional(ruleFields.cooldown_minutes),
    ...noiseFields,
  },
  { additionalProperties: false },
);
export type MessageRuleCreate = Static<typeof MessageRuleCreate>;

export const MessageRuleUpdate = Type.Object(
  {
    app_name: Type.Optional(ruleFields.app_name),
    message_key: Type.Optional(Name('Message key as logged')),
    max_duration: Type.Optional(ruleFields.max_duration),
    is_active: Type.Optional(ruleFields.is_active),
    alert_channels: Type.Optional(ruleFields.alert_channels),
    cooldown_minutes: Type.Optional(ruleFields.cooldown_minutes),
    ...noiseFields,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type MessageRuleUpdate = Static<typeof MessageRuleUpdate>;

const TargetType = ChannelTypeSchema;

export const TargetCreate = Type.Object(
  {
    name: Name('A name people recognise'),
    type: TargetType,
    external_id: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'Chat id (telegram_chat, telegram_group), email address (email) or URL (webhook)',
    }),
    is_active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type TargetCreate = Static<typeof TargetCreate>;

export const TargetUpdate = Type.Object(
  {
    name: Type.Optional(Name('A name people recognise')),
    type: Type.Optional(TargetType),
    external_id: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    is_active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TargetUpdate = Static<typeof TargetUpdate>;
