import type { Problem } from '../validation/problems.js';
import type { ChannelType } from './types.js';

const CHAT_ID = /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,})$/;
const GROUP_ID = /^-\d{1,20}$/;
// Deliberately plain: one @, no spaces or control characters, a dotted domain. CR/LF can never
// pass, so an address cannot inject mail headers.
const EMAIL =
  /^[^\s@<>(),;:"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Checks a target's external_id against its type; returns the problem or undefined. */
export function externalIdProblem(type: ChannelType, externalId: string): Problem | undefined {
  const field = 'external_id';
  switch (type) {
    case 'telegram_chat':
      return CHAT_ID.test(externalId)
        ? undefined
        : { field, message: 'must be a Telegram chat id: a number (negative for groups) or @channelname' };
    case 'telegram_group':
      return GROUP_ID.test(externalId)
        ? undefined
        : { field, message: 'must be a Telegram group id: a negative number such as -1001234567890' };
    case 'email':
      return EMAIL.test(externalId) && externalId.length <= 254
        ? undefined
        : { field, message: 'must be an email address such as ops@example.com' };
    case 'webhook':
      return isHttpUrl(externalId) ? undefined : { field, message: 'must be an http:// or https:// URL' };
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
