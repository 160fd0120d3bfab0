import { HttpSender } from './http-sender.js';
import type { NotifierContext } from './provider.js';

/**
 * Addresses of the webhook-URL channels (Slack, Teams, Discord): the whole URL is the secret, a
 * token in its path or a signature in its query. Any http(s) URL without credentials is taken,
 * so self-hosted relays and proxies work; each channel's hint names the service's usual form.
 */

/** What is wrong with a webhook URL, or undefined: "must be an http(s) URL (…)". */
export function webhookUrlProblem(address: string, usualForm: string): string | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return `must be an http(s) URL, usually ${usualForm}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must be an http(s) URL, usually ${usualForm}`;
  }
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (user:password@)';
  return undefined;
}

/**
 * The URL as answers and logs may show it: the origin and the first `keepSegments` path
 * segments (the parts that only say which service), then `***`; the query is dropped.
 * `https://hooks.slack.com/services/T0/B0/xyz` → `https://hooks.slack.com/services/***`.
 */
export function maskWebhookUrl(address: string, keepSegments: number): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return '***';
  }
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  const kept = segments.slice(0, Math.min(keepSegments, Math.max(0, segments.length - 1)));
  return `${url.protocol}//${url.host}/${kept.map((s) => `${s}/`).join('')}***`;
}

/** The sender a webhook-URL chat channel uses: the webhook channel's timeouts and private-address rule. */
export function urlChannelSender(context: NotifierContext): HttpSender {
  return new HttpSender({
    fetch: context.options.fetch,
    now: context.options.now,
    denyPrivate: context.config.webhookDenyPrivate,
    ...context.options.webhook,
  });
}
