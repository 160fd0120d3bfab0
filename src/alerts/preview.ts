import type { ChannelType } from '../rules/types.js';
import { previewOn, providerOf } from './channels/registry.js';
import type { AlertNotification } from './notification.js';

/*
 * What an alert log row said, or would have said: its stored notification rendered by the same
 * templates the channels send, so a suppressed or silenced row shows the text it held back.
 */

/** The facts of a stored notification that the alert log lists beside each row. */
export interface NotificationFacts {
  /** The quoted violations' correlation ids, worst first (as the notification lists them). */
  correlationIds: string[];
  /** Log time span of the violations it reported, epoch ms. */
  firstAt: number | null;
  lastAt: number | null;
  /** The incident's name a window or self notification carries ("lagwatch self-monitoring: scans failing"). */
  title: string | null;
  /** The sentence that says it all (window kinds and self-alerts). */
  sentence: string | null;
}

export interface ChannelPreview {
  channel: ChannelType;
  /** The email subject; null for channels without one. */
  subject: string | null;
  /** The text as the reader sees it (the channel provider's preview): email text body, Telegram message(s) without markup, webhook JSON. */
  text: string;
}

/** The row's payload as a notification, or undefined when it cannot be read (a damaged row). */
export function readNotification(payload: string): AlertNotification | undefined {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const n = parsed as Partial<AlertNotification>;
    if (typeof n.app !== 'string' || typeof n.firstAt !== 'number' || typeof n.lastAt !== 'number') return undefined;
    return { ...n, samples: Array.isArray(n.samples) ? n.samples : [] } as AlertNotification;
  } catch {
    return undefined;
  }
}

export function notificationFacts(payload: string): NotificationFacts {
  const n = readNotification(payload);
  if (!n) return { correlationIds: [], firstAt: null, lastAt: null, title: null, sentence: null };
  const ids = n.samples.flatMap((s) =>
    typeof s?.correlationId === 'string' && s.correlationId ? [s.correlationId] : [],
  );
  return {
    correlationIds: [...new Set(ids)],
    firstAt: n.firstAt,
    lastAt: n.lastAt,
    title: typeof n.incident?.name === 'string' && n.incident.name ? n.incident.name : null,
    sentence: typeof n.sentence === 'string' && n.sentence ? n.sentence : null,
  };
}

/**
 * The channels a row stands for: its own, or for a row written when no target was active, each
 * of the rule's channels (stored comma-separated). Unknown names are left out.
 */
export function channelsOfRow(channel: string): ChannelType[] {
  return [...new Set(channel.split(','))].filter((c) => providerOf(c) !== undefined);
}

/** One preview per channel of the row; empty when the stored notification cannot be read. */
export function previewsOf(payload: string, channel: string): ChannelPreview[] {
  const n = readNotification(payload);
  if (!n) return [];
  const channels = channelsOfRow(channel);
  return (channels.length > 0 ? channels : (['email'] as const)).map((c) => previewFor(n, c));
}

function previewFor(n: AlertNotification, channel: ChannelType): ChannelPreview {
  return { channel, ...previewOn(channel, n) };
}
