import Type, { type Static } from 'typebox';
import { Name } from '../rules/schemas.js';

/** Longest silence: one year. */
export const MAX_SILENCE_MINUTES = 525_600;

export const SilenceCreate = Type.Object(
  {
    app_name: Name('The application whose notifications are held back'),
    message_key: Type.Optional(Type.Union([Name('Only this message key (omit or null: the whole app)'), Type.Null()])),
    starts_at: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
    ends_at: Type.Optional(Type.String({ format: 'date-time', description: 'When it ends (or duration_minutes)' })),
    duration_minutes: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_SILENCE_MINUTES, description: 'How long from starts_at (or ends_at)' }),
    ),
    comment: Type.Optional(Type.String({ maxLength: 1000, description: 'Why, for the people who wonder' })),
    created_by: Type.Optional(
      Name('Who silenced it (default "api"); "telegram:…" is kept for the Telegram Mute buttons'),
    ),
  },
  { additionalProperties: false },
);
export type SilenceCreate = Static<typeof SilenceCreate>;

export const SilenceQuery = {
  active: Type.Optional(Type.Boolean({ description: 'Only active (true) or ended and future (false) silences' })),
  app_name: Type.Optional(Name('Only silences of this app')),
};

const IsoTime = (description: string) => Type.String({ format: 'date-time', description });

export const SilenceOutput = Type.Object({
  id: Type.Integer(),
  app_name: Type.String(),
  message_key: Type.Union([Type.String(), Type.Null()], { description: 'null: every notification of the app' }),
  starts_at: IsoTime('When it starts holding notifications back'),
  ends_at: IsoTime('When it ends (expiring sets it to now)'),
  comment: Type.Union([Type.String(), Type.Null()]),
  created_by: Type.String({ description: '"api", "cli:<user>", "dashboard" or "telegram:@<username>"' }),
  created_at: IsoTime('When it was created'),
  active: Type.Boolean({ description: 'Whether it holds notifications back now' }),
});
