import type { Config } from '../config/config.js';
import type { AlertTarget, ChannelType } from '../rules/types.js';
import type { Destination } from './notification.js';

/**
 * Where a rule's alerts go: every active target of its channel types, plus the
 * TELEGRAM_CHAT_ID / TELEGRAM_GROUP_ID defaults for the Telegram types, each address once.
 * `activeTargets` are read once by the caller (a scan resolves every rule from one read).
 */
export function destinationsFor(
  channels: readonly ChannelType[],
  activeTargets: readonly AlertTarget[],
  telegram: Config['telegram'],
): Destination[] {
  const found = new Map<string, Destination>();
  const add = (d: Destination) => {
    const key = `${d.channel}\u0000${d.address}`;
    if (!found.has(key)) found.set(key, d);
  };
  for (const target of activeTargets) {
    if (!target.is_active || !channels.includes(target.type)) continue;
    add({ channel: target.type, address: target.external_id, targetId: target.id });
  }
  if (channels.includes('telegram_chat') && telegram.chatId) {
    add({ channel: 'telegram_chat', address: telegram.chatId, targetId: null });
  }
  if (channels.includes('telegram_group') && telegram.groupId) {
    add({ channel: 'telegram_group', address: telegram.groupId, targetId: null });
  }
  return [...found.values()];
}
