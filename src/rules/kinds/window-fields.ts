import Type, { type TObject, type TProperties, type TSchema } from 'typebox';
import { Channels, ChannelTypeSchema, managedOutputFields, Name } from '../schemas.js';

/** The fields every window kind shares, as a create body takes them. */
const commonCreate = {
  name: Name('A name unique across all rules (rules as code finds the rule by it)'),
  app_name: Name('Application name as logged'),
  message_key: Type.Optional(
    Type.Union([Name('Message key as logged'), Type.Null()], { description: 'null (default): every log of the app' }),
  ),
  is_active: Type.Optional(Type.Boolean({ description: 'Inactive rules are not evaluated (default true)' })),
  alert_channels: Channels,
  cooldown_minutes: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 525_600,
      description: 'While firing, a reminder every this many minutes (0, the default: none)',
    }),
  ),
  notify_resolved: Type.Optional(
    Type.Boolean({ description: 'Send one "resolved" notification when the series stops firing (default true)' }),
  ),
};

/** The create body of a window kind: the shared fields and the kind's own. */
export function windowCreateSchema(own: TProperties, description: string): TObject {
  return Type.Object({ ...commonCreate, ...own }, { additionalProperties: false, description });
}

/** The preview body: the create body with `name` optional. */
export function windowPreviewSchema(own: TProperties): TObject {
  return Type.Object(
    { ...commonCreate, name: Type.Optional(commonCreate.name), ...own },
    { additionalProperties: false },
  );
}

/** The update body: any subset of the create body's fields; `null` clears an optional one. */
export function windowUpdateSchema(own: TProperties): TObject {
  const optional: TProperties = {};
  for (const [key, schema] of Object.entries({ ...commonCreate, ...own })) {
    const inner = unwrapOptional(schema);
    const clearable = (schema as { '~optional'?: boolean })['~optional'] === true && key !== 'message_key';
    optional[key] = Type.Optional(clearable ? Type.Union([inner, Type.Null()]) : inner);
  }
  return Type.Object(optional, { additionalProperties: false, minProperties: 1 });
}

function unwrapOptional(schema: TSchema): TSchema {
  const { '~optional': _optional, ...rest } = schema as TSchema & { '~optional'?: boolean };
  return rest as TSchema;
}

/** What every window rule answers with, plus the kind's own output fields. */
export function windowOutputSchema(kind: string, own: TProperties): TObject {
  return Type.Object({
    id: Type.Integer(),
    kind: Type.Literal(kind),
    name: Type.String(),
    app_name: Type.String(),
    message_key: Type.Union([Type.String(), Type.Null()]),
    is_active: Type.Boolean(),
    alert_channels: Type.Array(ChannelTypeSchema),
    cooldown_minutes: Type.Integer(),
    notify_resolved: Type.Boolean(),
    ...own,
    ...managedOutputFields,
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  });
}

/** The list filters of `GET /rules/<kind>` for window kinds. */
export const windowListFilters = {
  app_name: Type.Optional(Name('Only rules of this app')),
  message_key: Type.Optional(Name('Only rules of this message key')),
  is_active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) rules' })),
};

/** Takes `key` from a body when present and not null. */
export function given<T>(input: Record<string, unknown>, key: string): T | undefined {
  const value = input[key];
  return value === null || value === undefined ? undefined : (value as T);
}
