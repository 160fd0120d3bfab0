import Type, { type Static } from 'typebox';
import { NAME_FORBIDDEN_CLASS, NFC_MARK } from '../validation/names.js';

/**
 * Marks a schema that stands for "one of the registered channel types". The registry sits above
 * this folder, so the HTTP layer replaces every marked schema by the registry's list before it
 * validates or documents a request (src/http/channel-schemas.ts).
 */
export const CHANNEL_TYPE_MARK = 'x-lagwatch-channel-type';

/** A channel type's name; see CHANNEL_TYPE_MARK for how it becomes the registry's list. */
export const ChannelTypeField = (description?: string) =>
  Type.String({ minLength: 1, maxLength: 32, [CHANNEL_TYPE_MARK]: true, ...(description ? { description } : {}) });
export const ChannelTypeSchema = ChannelTypeField();

/** What a name may not hold anywhere: see src/validation/names.ts. */
export const UNPRINTABLE_CLASS = NAME_FORBIDDEN_CLASS;

/**
 * Names are printable text without those characters and without white space at either end
 * (MySQL/MariaDB compare 'a' and 'a ' as equal; names that cannot carry trailing spaces behave
 * alike on every driver); lengths fit the database columns. Also used for list filters on names.
 * NFC-normalised before they are checked (NFC_MARK), so one name cannot exist in two forms.
 */
export const Name = (description: string) =>
  Type.String({
    ...NFC_MARK,
    minLength: 1,
    maxLength: 191,
    pattern: `^[^\\s${UNPRINTABLE_CLASS}](?:[^${UNPRINTABLE_CLASS}]*[^\\s${UNPRINTABLE_CLASS}])?$`,
    description,
  });

export const Channels = Type.Array(ChannelTypeSchema, {
  minItems: 1,
  maxItems: 64,
  uniqueItems: true,
  description: 'Channel types that receive the alert (GET /channels lists them)',
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
      description: 'The address on the channel: a chat id, an email address, a URL… (GET /channels: address_hint)',
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

/** The fields every rule and target answer carries about a rules file managing it. */
export const managedOutputFields = {
  managed_by: Type.Union([Type.Literal('file'), Type.Null()], {
    description: 'file: a rules file manages it and the API refuses to change it; null: the API does',
  }),
  managed_file: Type.Union([Type.String(), Type.Null()], { description: 'The path of the rules file that manages it' }),
};
