import { webhookUrlProblem } from '../../../validation/addresses.js';
import { renderWebhookPayload } from '../../render/webhook.js';
import { maskSecretUrl } from '../mask-address.js';
import type { ChannelProvider } from '../provider.js';
import { WebhookNotifier } from './notifier.js';

/** The generic webhook: lagwatch's own JSON body, signed with WEBHOOK_SECRET when set. */
export const webhookProvider: ChannelProvider = {
  type: 'webhook',
  label: 'Webhook',
  addressLabel: 'Webhook URL',
  addressHint: 'an http:// or https:// URL',
  // Webhook URLs often are their own credential (a token in the path): shown only at creation.
  secretAddress: true,
  missingSetting: () => undefined,
  addressProblem: webhookUrlProblem,
  maskAddress: maskSecretUrl,
  preview: (notification) => ({ subject: null, text: JSON.stringify(renderWebhookPayload(notification), null, 2) }),
  createNotifier: ({ config, options }) =>
    new WebhookNotifier(config.webhookSecret, {
      fetch: options.fetch,
      now: options.now,
      denyPrivate: config.webhookDenyPrivate,
      ...options.webhook,
    }),
};
