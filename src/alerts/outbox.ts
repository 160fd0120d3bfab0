import type { Kysely } from 'kysely';
import { scrubSecrets } from '../config/redact.js';
import { isGoneHolder, newHolderId } from '../db/holder-id.js';
import type { Database } from '../db/schema.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logging/logger.js';
import { recordDelivery } from '../metrics/alert-metrics.js';
import type { TargetRepository } from '../rules/target-repository.js';
import type { ChannelType } from '../rules/types.js';
import {
  type AlertLogRow,
  claimRow,
  earliestDueAt,
  outboxBacklog,
  pendingRowsAfter,
  redirectPendingRows,
  settleRow,
} from './alert-log.js';
import { DeliveryError, type Notifier } from './channels/notifier.js';
import type { AlertNotification, Destination } from './notification.js';
import type { RetryPolicy } from './retry-policy.js';

export interface DeliveryReport {
  sent: number;
  failed: number;
  retrying: number;
}

export interface OutboxOptions {
  notifiers: ReadonlyMap<ChannelType, Notifier>;
  /** Where a Telegram group that became a supergroup gets its new chat id. */
  targets: Pick<TargetRepository, 'moveTelegramChat'>;
  retry: RetryPolicy;
  secrets: readonly string[];
  logger: Logger;
  events?: EventBus;
  now?: () => number;
  /** How long a claimed row stays invisible to other workers while it is being sent. */
  claimMs?: number;
  /** The claim holder id (default: host, pid and a random part). */
  holder?: string;
  /** Rows looked at per round. */
  batchSize?: number;
}

interface Progress {
  partsSent?: number;
}

/**
 * Sends the pending rows of the alert log. A row is claimed by a conditional update before
 * its send (so two workers never send it at once) and its outcome recorded after; a crash
 * between the channel accepting and that record re-sends it once the claim expires (delivery
 * is at least once). Rows to the same destination go out in order: a row waiting for its
 * retry holds back the later rows of its destination.
 */
export class Outbox {
  private readonly now: () => number;
  private readonly claimMs: number;
  private readonly holder: string;
  private readonly batchSize: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: OutboxOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.claimMs = options.claimMs ?? 120_000;
    this.holder = options.holder ?? newHolderId();
    this.batchSize = options.batchSize ?? 200;
  }

  /** The earliest time a pending row becomes due, if any (for the scheduler's next wake-up). */
  async nextDueAt(): Promise<number | undefined> {
    return earliestDueAt(this.db);
  }

  async pendingCount(): Promise<number> {
    return (await outboxBacklog(this.db)).pending;
  }

  /** Sends every due row once; returns what happened. */
  async deliverDue(signal?: AbortSignal): Promise<DeliveryReport> {
    const report: DeliveryReport = { sent: 0, failed: 0, retrying: 0 };
    await this.releaseClaimsOfGoneHolders();
    const heldBack = new Set<string>();
    // Pages on by id until a round's worth of rows was attempted: rows held back behind a
    // waiting row do not count, so a destination that is down cannot starve the others.
    let afterId = 0;
    let attempted = 0;
    for (;;) {
      const rows = await pendingRowsAfter(this.db, afterId, this.batchSize);
      for (const row of rows) {
        if (signal?.aborted || attempted >= this.batchSize) return report;
        afterId = Number(row.id);
        const destinationKey = `${row.channel}\u0000${row.destination}`;
        if (heldBack.has(destinationKey)) continue;
        if (Number(row.next_attempt_at) > this.now() || !(await this.claim(row))) {
          heldBack.add(destinationKey);
          continue;
        }
        attempted += 1;
        const sendStarted = performance.now();
        const outcome = await this.sendOne(row, signal);
        recordDelivery(row.channel, outcome, (performance.now() - sendStarted) / 1000);
        report[outcome] += 1;
        if (outcome !== 'sent') heldBack.add(destinationKey);
      }
      if (rows.length < this.batchSize) return report;
    }
  }

  /**
   * A row claimed by a process of this host that is gone (killed during a send) is due again at
   * once rather than after claimMs: the cut send is sent again (at least once), and the rows to
   * the same destination queued behind it go on. Claims of other hosts wait for their expiry.
   */
  private async releaseClaimsOfGoneHolders(): Promise<void> {
    const now = this.now();
    const holders = await this.db
      .selectFrom('alert_log')
      .select('claimed_by')
      .distinct()
      .where('status', '=', 'pending')
      .where('claimed_by', 'is not', null)
      .where('next_attempt_at', '>', now)
      .execute();
    for (const { claimed_by: holder } of holders) {
      if (holder === null || !isGoneHolder(holder)) continue;
      await this.db
        .updateTable('alert_log')
        .set({ next_attempt_at: now, claimed_by: null, updated_at: now })
        .where('status', '=', 'pending')
        .where('claimed_by', '=', holder)
        .where('next_attempt_at', '>', now)
        .execute();
      this.options.logger.warn({ holder }, 'released the alert claims of a process that is gone');
    }
  }

  private async claim(row: AlertLogRow): Promise<boolean> {
    const now = this.now();
    return claimRow(this.db, row, now, now + this.claimMs, this.holder);
  }

  private async sendOne(row: AlertLogRow, signal?: AbortSignal): Promise<keyof DeliveryReport> {
    const attempts = row.attempts + 1;
    const destination: Destination = {
      channel: row.channel as ChannelType,
      address: row.destination,
      targetId: row.target_id === null ? null : Number(row.target_id),
    };
    const notifier = this.options.notifiers.get(destination.channel);
    const progress = row.progress ? (JSON.parse(row.progress) as Progress) : {};
    try {
      if (!notifier) throw new DeliveryError(`no notifier for channel ${row.channel}`, false);
      const notification = JSON.parse(row.payload) as AlertNotification;
      const receipt = await notifier.send(notification, destination, signal, {
        deliveryKey: `alert-${row.id}`,
        alertId: Number(row.id),
        partsAlreadySent: progress.partsSent,
      });
      const now = this.now();
      await settleRow(this.db, row.id, {
        status: 'sent',
        claimed_by: null,
        sent_at: now,
        updated_at: now,
        last_error: null,
        ...(receipt.migratedTo ? { destination: receipt.migratedTo } : {}),
      });
      if (receipt.migratedTo) await this.followMigration(destination, receipt.migratedTo);
      this.publish(row, 'sent');
      return 'sent';
    } catch (error) {
      return this.recordFailure(row, attempts, error);
    }
  }

  private async recordFailure(row: AlertLogRow, attempts: number, error: unknown): Promise<keyof DeliveryReport> {
    const delivery = error instanceof DeliveryError ? error : undefined;
    const message = scrubSecrets(error instanceof Error ? error.message : String(error), this.options.secrets).slice(
      0,
      2000,
    );
    // Unexpected errors (not a DeliveryError) are treated as transient: a bug must not lose alerts.
    const retryable = delivery ? delivery.retryable : true;
    const giveUp = !retryable || attempts >= this.options.retry.maxAttempts;
    const now = this.now();
    const progress = delivery?.progress ? JSON.stringify({ partsSent: delivery.progress.partsSent }) : row.progress;
    await settleRow(this.db, row.id, {
      status: giveUp ? 'failed' : 'pending',
      claimed_by: null,
      last_error: giveUp && retryable ? `gave up after ${attempts} attempts: ${message}` : message,
      next_attempt_at: giveUp ? now : now + this.options.retry.delayMs(attempts, delivery?.retryAfterMs),
      updated_at: now,
      progress,
    });
    this.options.logger.warn(
      { alert_id: row.id, channel: row.channel, attempts, retryable, error: message },
      giveUp ? 'alert delivery failed' : 'alert delivery will be retried',
    );
    if (giveUp) this.publish(row, 'failed');
    return giveUp ? 'failed' : 'retrying';
  }

  /** Telegram moved a group to a supergroup: point the stored target and queued rows at it. */
  private async followMigration(destination: Destination, newChatId: string): Promise<void> {
    if (destination.targetId !== null) await this.options.targets.moveTelegramChat(destination.targetId, newChatId);
    await redirectPendingRows(this.db, destination.channel, destination.address, newChatId);
    this.options.logger.warn(
      { channel: destination.channel, from: destination.address, to: newChatId },
      'Telegram group became a supergroup; target updated',
    );
  }

  private publish(row: AlertLogRow, status: 'sent' | 'failed'): void {
    this.options.events?.publish({
      type: 'alert',
      data: {
        id: Number(row.id),
        status,
        channel: row.channel,
        app_name: row.app_name,
        message_key: row.message_key,
        violation_count: Number(row.violation_count),
      },
    });
  }
}
