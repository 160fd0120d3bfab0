import Type from 'typebox';
import { AppRuleCreate, AppRuleUpdate, Name } from '../../schemas.js';
import type { AppRule } from '../../types.js';
import type { PerLogKindModule } from '../kind.js';
import { AppRuleOutput } from '../per-log-output.js';

/** `app`: one rule per application; every log of the app slower than max_duration is a violation. */
export const appKind: PerLogKindModule = {
  family: 'per_log',
  name: 'app',
  label: 'app rule',
  tag: 'app rules',
  createSchema: AppRuleCreate,
  updateSchema: AppRuleUpdate,
  outputSchema: AppRuleOutput,
  listFilters: {
    app_name: Type.Optional(Name('Only the rule of this app')),
    is_active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) rules' })),
  },
  store: (stores) => stores.appRules,
  summary: (rule) => `every log > ${(rule as AppRule).max_duration} ms`,
};
