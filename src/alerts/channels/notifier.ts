import type { AlertNotification, Destination } from '../notification.js';

export interface DeliveryReceipt {
  /** Telegram: the group became a supergroup and the message went to this new chat id. */
  migratedTo?: string;
  /**
   * What the service answered, one line without secrets ("200 OK: ok", "250 2.0.0 queued as
   * 1a2b"), for `POST /targets/{id}/test` and `test:channel`. Optional: "accepted" otherwise.
   */
  reply?: string;
}

/** Optional per-send facts from the caller (the outbox). */
export interface SendOptions {
  /**
   * Stable for one notification to one destination across its retries (e.g. the outbox row
   * id). Telegram uses it to skip, on a retry, the parts of a split message the chat already
   * accepted; webhooks send it as `X-Lagwatch-Delivery` so receivers can drop duplicates.
   */
  deliveryKey?: string;
  /**
   * Parts of a split message already accepted (from a failed attempt's
   * DeliveryError.progress, when the caller persists it); overrides what the notifier
   * remembers for `deliveryKey`, which does not survive a restart.
   */
  partsAlreadySent?: number;
  /** The alert log row: Telegram alerts carry Mute buttons that name it. */
  alertId?: number;
}

/** One channel's way of sending a notification; throws DeliveryError when it could not. */
export interface Notifier {
  send(
    notification: AlertNotification,
    destination: Destination,
    signal?: AbortSignal,
    options?: SendOptions,
  ): Promise<DeliveryReceipt>;
}

/** How far a multi-part send got before it failed. */
export interface DeliveryProgress {
  partsSent: number;
  partsTotal: number;
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
    /** Telegram: parts of a split message accepted before the failure. */
    readonly progress?: DeliveryProgress,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
