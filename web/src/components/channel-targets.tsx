import { api } from '../api/client.js';
import type { ChannelType } from '../api/types.js';
import { useChannelLabel } from '../channels.js';
import { useResource } from '../state.js';

/** The channel types that have at least one active target (undefined until the targets are known). */
export function useCoveredChannels(): ReadonlySet<ChannelType> | undefined {
  const targets = useResource((_range, signal) => api.targets.list(signal), [], [], []);
  if (!targets.data) return undefined;
  return new Set(targets.data.items.filter((t) => t.is_active).map((t) => t.type));
}

/** Why an alert on this channel may reach nobody. */
export function noTargetExplanation(channel: ChannelType, label: string): string {
  const fallback =
    channel === 'telegram_chat'
      ? ' It goes only to TELEGRAM_CHAT_ID, if that is set.'
      : channel === 'telegram_group'
        ? ' It goes only to TELEGRAM_GROUP_ID, if that is set.'
        : ' Its alerts reach nobody until one is added on the Targets page.';
  return `No active ${label.toLowerCase()} target.${fallback}`;
}

/** The flag beside a channel that has no active target. */
export function NoTargetFlag({ channel }: { channel: ChannelType }) {
  const explanation = noTargetExplanation(channel, useChannelLabel()(channel));
  return (
    <span className="badge badge-warn" title={explanation} data-testid="no-target">
      <span aria-hidden="true">⚠ </span>no target<span className="visually-hidden">: {explanation}</span>
    </span>
  );
}
