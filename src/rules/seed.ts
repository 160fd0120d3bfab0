import { ConflictError } from '../validation/problems.js';
import type { RuleRepository } from './rule-repository.js';
import type { AppRuleCreate, MessageRuleCreate, TargetCreate } from './schemas.js';
import type { TargetRepository } from './target-repository.js';

/** Sample rules and (inactive) targets that show how lagwatch is configured. */
export const SAMPLE_APP_RULES: AppRuleCreate[] = [
  { app_name: 'core-service', max_duration: 1000, alert_channels: ['telegram_chat'], cooldown_minutes: 10 },
  { app_name: 'order-service', max_duration: 2000, alert_channels: ['telegram_group', 'email'], cooldown_minutes: 15 },
  {
    app_name: 'payment-service',
    max_duration: 3000,
    alert_channels: ['telegram_chat', 'webhook'],
    cooldown_minutes: 5,
  },
];

export const SAMPLE_MESSAGE_RULES: MessageRuleCreate[] = [
  {
    app_name: 'order-service',
    message_key: 'order.create',
    max_duration: 1500,
    alert_channels: ['telegram_group'],
    cooldown_minutes: 15,
  },
  {
    app_name: 'payment-service',
    message_key: 'payment.charge',
    max_duration: 2500,
    alert_channels: ['telegram_chat', 'email'],
    cooldown_minutes: 5,
  },
];

export const SAMPLE_TARGETS: TargetCreate[] = [
  { name: 'ops-mail (sample)', type: 'email', external_id: 'ops@example.com', is_active: false },
  {
    name: 'ops-webhook (sample)',
    type: 'webhook',
    external_id: 'https://hooks.example.com/lagwatch',
    is_active: false,
  },
];

export interface SeedResult {
  created: { app_rules: number; message_rules: number; targets: number };
  existing: { app_rules: number; message_rules: number; targets: number };
}

/** Creates the samples that do not exist yet (as `actor`'s changes); running it again changes nothing. */
export async function seedSampleRules(
  ctx: {
    appRules: RuleRepository<'app'>;
    messageRules: RuleRepository<'message'>;
    targets: TargetRepository;
  },
  actor: string,
): Promise<SeedResult> {
  const result: SeedResult = {
    created: { app_rules: 0, message_rules: 0, targets: 0 },
    existing: { app_rules: 0, message_rules: 0, targets: 0 },
  };
  const attempt = async (kind: keyof SeedResult['created'], create: () => Promise<unknown>) => {
    try {
      await create();
      result.created[kind] += 1;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      result.existing[kind] += 1;
    }
  };
  for (const rule of SAMPLE_APP_RULES) await attempt('app_rules', () => ctx.appRules.create(rule, actor));
  for (const rule of SAMPLE_MESSAGE_RULES) await attempt('message_rules', () => ctx.messageRules.create(rule, actor));
  for (const target of SAMPLE_TARGETS) await attempt('targets', () => ctx.targets.create(target, actor));
  return result;
}
