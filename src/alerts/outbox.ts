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
  activeClaimHolders,
  type ClaimOf,
  claimRow,
  earliestDueAt,
  outboxBacklog,
  pendingRowsAfter,
  redirectPendingRows,
  releaseClaimsOf,
  renewClaim,
  reschedulePendingBeyond,
  settleRow,
} from './alert-log.js';
import { DeliveryError, type Notifier } from './channels/notifier.js';
import { addressSecrets } from './channels/registry.js';
import type { AlertNotification, Destination } from './notification.js';
import { MAX_RETRY_DELAY_MS, nextAttemptAt, type RetryPolicy } from './retry-policy.js';

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
  /**
   * How long a claim keeps a row invisible to other workers past its last renewal: a holder on
   * another host that died frees its rows within this time. Default 15 s.
   */
  claimMs?: number;
  /** How often the holder renews the claim while a send goes on. Default a third of claimMs. */
  claimRenewMs?: number;
  /** The claim holder id (default: host, pid and a random part). */
  holder?: string;
  /** Rows looked at per round. */
  batchSize?: number;
}

// Short and renewed (like the scan lease): a dead holder on another host frees its rows within
// 15 s; one on this host at once (releaseClaimsOfGoneHolders).
const DEFAULT_CLAIM_MS = 15_000;

interface Progress {
  partsSent?: number;
}

/**
 * Sends the pending rows of the alert log. A row is claimed by a conditional update before
 * its send (so two workers never send it at once), the claim is renewed while the send goes on,
 * and its outcome recorded after, only while the claim is still this worker's. A crash between
 * the channel accepting and that record re-sends it (delivery is at least once): at once when
 * the dead holder was a process of this host, else once its claim expires, claimMs after its
 * last renewal. A live holder keeps renewing, so its claim is never taken over. Rows to the same
 * destination go out in order: a row waiting for its retry holds back the later rows of its
 * destination.
 */
export class Outbox {
  private readonly now: () => number;
  private readonly claimMs: number;
  private readonly claimRenewMs: number;
  private readonly holder: string;
  private readonly batchSize: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: OutboxOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.claimMs = options.claimMs ?? DEFAULT_CLAIM_MS;
    this.claimRenewMs = options.claimRenewMs ?? Math.max(Math.floor(this.claimMs / 3), 1);
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
    await this.rescheduleBeyondHorizon();
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
   * Rows due further ahead than any retry can put them (written before retry delays were capped,
   * e.g. after a peer's `Retry-After: 99999999999999999999`) are due now, rather than never, and
   * no longer hold back their destination's later rows.
   */
  private async rescheduleBeyondHorizon(): Promise<void> {
    const now = this.now();
    const moved = await reschedulePendingBeyond(this.db, now + MAX_RETRY_DELAY_MS, now);
    if (moved > 0) this.options.logger.warn({ rows: moved }, 'alert rows due beyond the retry horizon made due now');
  }

  /**
   * A row claimed by a process of this host that is gone (killed during a send) is due again at
   * once rather than after claimMs: the cut send is sent again (at least once), and the rows to
   * the same destination queued behind it go on. Claims of other hosts wait for their expiry.
   */
  private async releaseClaimsOfGoneHolders(): Promise<void> {
    const now = this.now();
    for (const holder of await activeClaimHolders(this.db, now)) {
      if (!isGoneHolder(holder)) continue;
      await releaseClaimsOf(this.db, holder, now);
      this.options.logger.warn({ holder }, 'released the alert claims of a process that is gone');
    }
  }

  private async claim(row: AlertLogRow): Promise<boolean> {
    const now = this.now();
    return claimRow(this.db, row, now, now + this.claimMs, this.holder);
  }

  /**
   * Renews the row's claim every claimRenewMs until stopped. A renewal that finds the claim taken
   * (this process stalled past claimMs and another worker took the row over) aborts the send: the
   * new holder sends it. A renewal that fails (database unreachable) is tried again at the next
   * tick; the expiry is the backstop.
   */
  private keepClaim(row: AlertLogRow, claim: ClaimOf, signal?: AbortSignal): { signal: AbortSignal; stop(): void } {
    const lost = new AbortController();
    let stopped = false;
    const timer = setInterval(() => {
      renewClaim(this.db, row.id, claim, this.now() + this.claimMs).then(
        (held) => {
          // After stop() the row may be settled already: not a lost claim.
          if (held || stopped || lost.signal.aborted) return;
          this.options.logger.warn({ alert_id: row.id }, 'alert claim taken over by another worker; send aborted');
          lost.abort();
        },
        () => undefined,
      );
    }, this.claimRenewMs);
    timer.unref();
    return {
      signal: signal ? AbortSignal.any([signal, lost.signal]) : lost.signal,
      stop: () => {
        stopped = true;
        clearInterval(timer);
      },
    };
  }

  private async sendOne(row: AlertLogRow, outerSignal?: AbortSignal): Promise<keyof DeliveryReport> {
    const attempts = row.attempts + 1;
    const claim: ClaimOf = { holder: this.holder, attempts };
    const renewal = this.keepClaim(row, claim, outerSignal);
    try {
      return await this.sendClaimed(row, claim, renewal.signal);
    } finally {
      renewal.stop();
    }
  }

  private async sendClaimed(row: AlertLogRow, claim: ClaimOf, signal: AbortSignal): Promise<keyof DeliveryReport> {
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
      const settled = await settleRow(
        this.db,
        row.id,
        {
          status: 'sent',
          claimed_by: null,
          sent_at: now,
          updated_at: now,
          last_error: null,
          ...(receipt.migratedTo ? { destination: receipt.migratedTo } : {}),
        },
        claim,
      );
      if (!settled) return this.claimLost(row);
      if (receipt.migratedTo) await this.followMigration(destination, receipt.migratedTo);
      this.publish(row, 'sent');
      return 'sent';
    } catch (error) {
      return this.recordFailure(row, claim, error);
    }
  }

  /** Another worker took the row over while this one sent it: its outcome is that worker's to record. */
  private claimLost(row: AlertLogRow): keyof DeliveryReport {
    this.options.logger.warn(
      { alert_id: row.id },
      'alert claim was taken over during the send; outcome left to the new holder',
    );
    return 'retrying';
  }

  private async recordFailure(row: AlertLogRow, claim: ClaimOf, error: unknown): Promise<keyof DeliveryReport> {
    const { attempts } = claim;
    const delivery = error instanceof DeliveryError ? error : undefined;
    // The destination itself is a secret on some channels (webhook URLs, routing keys).
    const secrets = [...this.options.secrets, ...addressSecrets(row.channel, row.destination)];
    const message = scrubSecrets(error instanceof Error ? error.message : String(error), secrets).slice(0, 2000);
    // Unexpected errors (not a DeliveryError) are treated as transient: a bug must not lose alerts.
    const retryable = delivery ? delivery.retryable : true;
    const giveUp = !retryable || attempts >= this.options.retry.maxAttempts;
    const now = this.now();
    const progress = delivery?.progress ? JSON.stringify({ partsSent: delivery.progress.partsSent }) : row.progress;
    const settled = await settleRow(
      this.db,
      row.id,
      {
        status: giveUp ? 'failed' : 'pending',
        claimed_by: null,
        last_error: giveUp && retryable ? `gave up after ${attempts} attempts: ${message}` : message,
        next_attempt_at: giveUp
          ? now
          : nextAttemptAt(now, this.options.retry.delayMs(attempts, delivery?.retryAfterMs)),
        updated_at: now,
        progress,
      },
      claim,
    );
    if (!settled) return this.claimLost(row);
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
