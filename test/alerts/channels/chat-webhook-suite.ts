import { afterAll, beforeAll, expect } from 'vitest';
import { DeliveryError, type DeliveryReceipt, type Notifier } from '../../../src/alerts/channels/notifier.js';
import type { ChannelProvider } from '../../../src/alerts/channels/provider.js';
import type { AlertNotification } from '../../../src/alerts/notification.js';
import { context, destination } from './chat-kinds.js';

/** What the Slack, Teams and Discord stand-ins have in common. */
export interface ChatWebhookStandIn<Accepted extends { path: string }> {
  readonly accepted: Accepted[];
  start(): Promise<unknown>;
  stop(): Promise<void>;
  /** A fresh webhook URL the stand-in accepts. */
  webhook(): string;
}

/**
 * Starts the stand-in and the provider's notifier for the calling test file (stopped after it).
 * `send` posts to a webhook URL; `deliver` sends to a fresh one and returns what the service accepted.
 */
export function chatWebhookSuite<Accepted extends { path: string }>(
  provider: ChannelProvider,
  standIn: ChatWebhookStandIn<Accepted>,
) {
  let notifier: Notifier;
  beforeAll(async () => {
    await standIn.start();
    notifier = provider.createNotifier(context());
  });
  afterAll(() => standIn.stop());

  const send = (n: AlertNotification, hook: string): Promise<DeliveryReceipt> =>
    notifier.send(n, destination(provider.type, hook));
  const deliver = async (n: AlertNotification): Promise<Accepted> => {
    const hook = standIn.webhook();
    await send(n, hook);
    const accepted = standIn.accepted.at(-1)!;
    expect(new URL(hook).pathname).toBe(accepted.path);
    return accepted;
  };
  return { send, deliver };
}

/** The DeliveryError a send fails with; its message must not carry `secret`. */
export async function deliveryFailure(send: Promise<unknown>, secret: string): Promise<DeliveryError> {
  const error = await send.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  expect((error as Error).message).not.toContain(secret);
  return error as DeliveryError;
}
