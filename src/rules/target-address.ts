import type { Problem } from '../validation/problems.js';
import { TELEGRAM_CHAT_ID as CHAT_ID, TELEGRAM_GROUP_ID as GROUP_ID } from '../validation/telegram-ids.js';
import type { ChannelType } from './types.js';

// Deliberately plain: one @, no spaces or control characters (C0, DEL, C1: NUL and backspace
// vanish on the wire, so another address would be delivered to), no lone surrogates, a dotted
// domain. CR/LF can never pass, so an address cannot inject mail headers.
const EMAIL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  /^[^\s@<>(),;:"\\\u0000-\u001f\u007f-\u009f\ud800-\udfff]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/u;
// The URL parser silently drops tabs and newlines and trims: what is stored must be what is sent.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const URL_UNSAFE = /[\s\u0000-\u001f\u007f-\u009f\ud800-\udfff]/u;

/** Checks a target's external_id against its type; returns the problem or undefined. */
export function externalIdProblem(type: ChannelType, externalId: string): Problem | undefined {
  const field = 'external_id';
  switch (type) {
    case 'telegram_chat':
      return CHAT_ID.test(externalId)
        ? undefined
        : {
            field,
            message:
              'must be a Telegram chat id: a number without leading zeros, not 0 (negative for groups), or @channelname',
          };
    case 'telegram_group':
      return GROUP_ID.test(externalId)
        ? undefined
        : {
            field,
            message: 'must be a Telegram group id: a negative number without leading zeros, such as -1001234567890',
          };
    case 'email':
      return EMAIL.test(externalId) && externalId.length <= 254
        ? undefined
        : { field, message: 'must be an email address such as ops@example.com' };
    case 'webhook':
      return webhookProblem(externalId);
  }
}

function webhookProblem(value: string): Problem | undefined {
  const field = 'external_id';
  if (URL_UNSAFE.test(value)) return { field, message: 'must be a URL without white space or control characters' };
  if (!isHttpUrl(value)) return { field, message: 'must be an http:// or https:// URL' };
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') {
    // fetch refuses URLs with credentials: such a webhook could never be sent.
    return { field, message: 'must not carry user:password@ (put credentials in the URL path or query instead)' };
  }
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
