import type { AppRuleCreate, MessageRuleCreate, TargetCreate } from '../rules/schemas.js';

/**
 * Rules a demo seeds. Message-rule thresholds sit near the 99th percentile of each key's normal
 * traffic, app rules above their other keys' usual range, so violations come mostly from the
 * bursts of slowness (a few per cent of all logs): visible, not absurd.
 */
export const DEMO_RULES: { app: AppRuleCreate[]; message: MessageRuleCreate[] } = {
  app: [
    { app_name: 'checkout-api', max_duration: 250, is_active: true, alert_channels: ['email'], cooldown_minutes: 5 },
    {
      app_name: 'payments-worker',
      max_duration: 1000,
      is_active: true,
      alert_channels: ['email'],
      cooldown_minutes: 5,
    },
    {
      app_name: 'search-service',
      max_duration: 1200,
      is_active: true,
      alert_channels: ['webhook'],
      cooldown_minutes: 5,
    },
    {
      app_name: 'notifications-queue',
      max_duration: 2000,
      is_active: true,
      alert_channels: ['email', 'webhook'],
      cooldown_minutes: 10,
    },
  ],
  message: [
    {
      app_name: 'checkout-api',
      message_key: 'POST /checkout',
      max_duration: 1500,
      is_active: true,
      alert_channels: ['email', 'webhook'],
      cooldown_minutes: 5,
    },
    {
      app_name: 'payments-worker',
      message_key: 'payment.authorize',
      max_duration: 900,
      is_active: true,
      alert_channels: ['email'],
      cooldown_minutes: 5,
    },
    {
      app_name: 'search-service',
      message_key: 'search.query',
      max_duration: 300,
      is_active: true,
      alert_channels: ['webhook'],
      cooldown_minutes: 5,
    },
    {
      app_name: 'notifications-queue',
      message_key: 'email.send',
      max_duration: 1500,
      is_active: false,
      alert_channels: ['email'],
      cooldown_minutes: 15,
    },
  ],
};

/** Targets a demo seeds; the addresses are reserved example names, so nothing leaves the machine. */
export const DEMO_TARGETS: TargetCreate[] = [
  { name: 'On-call engineers', type: 'email', external_id: 'oncall@example.com', is_active: true },
  { name: 'Incident webhook', type: 'webhook', external_id: 'https://hooks.example.com/lagwatch', is_active: true },
  { name: 'Payments team', type: 'email', external_id: 'payments-team@example.com', is_active: false },
];
