import { scrubSecrets } from '../config/redact.js';
import type { AlertTarget } from '../rules/types.js';
import { DeliveryError, type Notifier } from './channels/notifier.js';
import type { ChannelRegistry } from './channels/registry.js';
import { testNotification } from './test-message.js';

/** What a test send to one target came to: `reply` is what the service answered, or why it failed. */
export interface TargetTestResult {
  ok: boolean;
  channel: string;
  target_id: number;
  /** The address as answers may show it (masked when the channel's addresses are secrets). */
  destination: string;
  reply: string;
  /** Failed sends: whether the same send could work later (429, 5xx, timeouts), as the outbox would judge. */
  retryable: boolean | null;
}

export interface TargetTestDeps {
  channels: ChannelRegistry;
  /** The notifiers to send through, by channel type (createNotifiers). */
  notifiers: ReadonlyMap<string, Notifier>;
  publicUrl: string;
  /** Configured secrets to scrub from replies (secretsOf(config)). */
  secrets: readonly string[];
  now?: () => number;
}

/**
 * Sends the test notification (the real message format with sample figures) to one target,
 * directly through its channel's notifier: not queued, not retried, not in the alert log.
 * Never throws for a failed send; the reply carries no secret (the target's own secret address
 * included).
 */
export async function sendTargetTest(
  deps: TargetTestDeps,
  target: Pick<AlertTarget, 'id' | 'type' | 'external_id'>,
  signal?: AbortSignal,
): Promise<TargetTestResult> {
  const provider = deps.channels.providerOf(target.type);
  const secrets = provider?.secretAddress ? [...deps.secrets, target.external_id] : deps.secrets;
  const clean = (text: string) => scrubSecrets(text, secrets);
  const base = {
    channel: target.type,
    target_id: target.id,
    destination: deps.channels.maskAddress(target.type, target.external_id),
  };
  const notifier = deps.notifiers.get(target.type);
  if (!provider || !notifier) {
    return { ...base, ok: false, reply: `channel "${target.type}" is not known to this lagwatch`, retryable: false };
  }
  const notification = testNotification(deps.publicUrl, (deps.now ?? Date.now)());
  try {
    const receipt = await notifier.send(
      notification,
      { channel: target.type, address: target.external_id, targetId: target.id },
      signal,
    );
    const moved = receipt.migratedTo ? ` (the chat moved to ${clean(receipt.migratedTo)})` : '';
    return { ...base, ok: true, reply: `${clean(receipt.reply ?? 'accepted')}${moved}`, retryable: null };
  } catch (error) {
    const retryable = error instanceof DeliveryError ? error.retryable : true;
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, ok: false, reply: clean(message).slice(0, 2000), retryable };
  }
}
