import { TELEGRAM_CHAT_ID as CHAT_ID, TELEGRAM_GROUP_ID as GROUP_ID } from './telegram-ids.js';

/*
 * The address formats channels take as a target's external_id. Pure checks, shared by the
 * channel providers (src/alerts/channels/*) and the dashboard's forms. Each returns what is
 * wrong ("must be …") or undefined.
 */

// Deliberately plain: one @, no spaces or control characters (C0, DEL, C1: NUL and backspace
// vanish on the wire, so another address would be delivered to), no lone surrogates, a dotted
// domain. CR/LF can never pass, so an address cannot inject mail headers.
const EMAIL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  /^[^\s@<>(),;:"\\\u0000-\u001f\u007f-\u009f\ud800-\udfff]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/u;
// The URL parser silently drops tabs and newlines and trims: what is stored must be what is sent.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const URL_UNSAFE = /[\s\u0000-\u001f\u007f-\u009f\ud800-\udfff]/u;

export function telegramChatIdProblem(value: string): string | undefined {
  return CHAT_ID.test(value)
    ? undefined
    : 'must be a Telegram chat id: a number without leading zeros, not 0 (negative for groups), or @channelname';
}

export function telegramGroupIdProblem(value: string): string | undefined {
  return GROUP_ID.test(value)
    ? undefined
    : 'must be a Telegram group id: a negative number without leading zeros, such as -1001234567890';
}

export function emailAddressProblem(value: string): string | undefined {
  return EMAIL.test(value) && value.length <= 254 ? undefined : 'must be an email address such as ops@example.com';
}

/** An http(s) URL that is sent exactly as stored, without user:password@ (fetch refuses those). */
export function webhookUrlProblem(value: string): string | undefined {
  if (URL_UNSAFE.test(value)) return 'must be a URL without white space or control characters';
  if (!isHttpUrl(value)) return 'must be an http:// or https:// URL';
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') {
    return 'must not carry user:password@ (put credentials in the URL path or query instead)';
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
