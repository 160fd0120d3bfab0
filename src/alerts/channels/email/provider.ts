import { emailAddressProblem } from '../../../validation/addresses.js';
import { renderEmail } from '../../render/email.js';
import type { ChannelProvider } from '../provider.js';
import { EmailNotifier } from './notifier.js';

/** Email over SMTP (MAIL_*): the text body is what the preview shows. */
export const emailProvider: ChannelProvider = {
  type: 'email',
  label: 'Email',
  addressLabel: 'Email address',
  addressHint: 'an email address such as ops@example.com',
  secretAddress: false,
  missingSetting: (config) => (config.mail.host ? undefined : 'MAIL_HOST'),
  addressProblem: emailAddressProblem,
  maskAddress: (address) => address,
  preview(notification) {
    const email = renderEmail(notification);
    return { subject: email.subject, text: email.text.trimEnd() };
  },
  createNotifier: ({ config, options }) => new EmailNotifier(config.mail, options.email),
};
