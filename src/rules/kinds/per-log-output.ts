import Type from 'typebox';
import { ChannelTypeSchema, managedOutputFields } from '../schemas.js';

const IsoTime = (description: string) => Type.String({ format: 'date-time', description });

const ruleOutputFields = {
  id: Type.Integer(),
  app_name: Type.String(),
  max_duration: Type.Number({ description: 'Threshold in milliseconds' }),
  is_active: Type.Boolean(),
  alert_channels: Type.Array(ChannelTypeSchema),
  cooldown_minutes: Type.Integer(),
  min_count: Type.Integer({ description: 'Violations needed within window_minutes before a notification is due' }),
  window_minutes: Type.Integer({ description: 'Count window in minutes of log time (0: off)' }),
  notify_resolved: Type.Boolean({ description: 'Whether a "resolved" notification follows an alert' }),
  resolve_after_minutes: Type.Integer({ description: 'Quiet minutes of log time before the rule resolves' }),
  ...managedOutputFields,
  created_at: IsoTime('When the rule was created'),
  updated_at: IsoTime('When the rule was last changed'),
};

export const AppRuleOutput = Type.Object(ruleOutputFields);
const { id, app_name, ...otherRuleFields } = ruleOutputFields;
export const MessageRuleOutput = Type.Object({ id, app_name, message_key: Type.String(), ...otherRuleFields });
