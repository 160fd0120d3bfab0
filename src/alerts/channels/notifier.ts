import type { AlertNotification, Destination } from '../notification.js';

export interface DeliveryReceipt {
  /** Telegram: the group became a supergroup and the message went to this new chat id. */
  migratedTo?: string;
}

/** One channel's way of sending a notification; throws DeliveryError when it could not. */
export interface Notifier {
  send(notification: AlertNotification, destination: Destination, signal?: AbortSignal): Promise<DeliveryReceipt>;
}

/**
 * A failed send. `retryable` tells the outbox whether trying again can help (5xx, 429,
 * timeouts, connection errors) or not (bad token, unknown chat, rejected address).
 * The message never contains a secret.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The peer asked us to wait this long before the next attempt (Telegram retry_after). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
