import Type from 'typebox';
import { MessageRuleCreate, MessageRuleUpdate, Name } from '../../schemas.js';
import type { MessageRule } from '../../types.js';
import type { PerLogKindModule } from '../kind.js';
import { MessageRuleOutput } from '../per-log-output.js';

/** `message`: one rule per (application, message key); decides before the app's rule. */
export const messageKind: PerLogKindModule = {
  family: 'per_log',
  name: 'message',
  label: 'message rule',
  tag: 'message rules',
  createSchema: MessageRuleCreate,
  updateSchema: MessageRuleUpdate,
  outputSchema: MessageRuleOutput,
  listFilters: {
    app_name: Type.Optional(Name('Only rules of this app')),
    message_key: Type.Optional(Name('Only rules of this message key')),
    is_active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) rules' })),
  },
  store: (stores) => stores.messageRules,
  summary: (rule) => `logs of ${(rule as MessageRule).message_key} > ${(rule as MessageRule).max_duration} ms`,
};
