import type { Config } from '../config/config.js';
import type { TargetRepository } from '../rules/target-repository.js';
import type { ChannelType } from '../rules/types.js';
import type { Destination } from './notification.js';

/**
 * Where a rule's alerts go: every active target of its channel types, plus the
 * TELEGRAM_CHAT_ID / TELEGRAM_GROUP_ID defaults for the Telegram types, each address once.
 */
export async function destinationsFor(
  channels: readonly ChannelType[],
  targets: TargetRepository,
  telegram: Config['telegram'],
): Promise<Destination[]> {
  const found = new Map<string, Destination>();
  const add = (d: Destination) => {
    const key = `${d.channel}\u0000${d.address}`;
    if (!found.has(key)) found.set(key, d);
  };
  for (const target of await targets.activeOfTypes(channels)) {
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
