import { MAX_RECORDED_CANDIDATES, type ReadCandidate } from '../source.js';
import type { Query } from './queries.js';

/**
 * The candidates a checkpoint window leaves out of its overlap: those that earlier scans
 * recorded (passed in by the scanner from the state database, where they are stored in the
 * transaction that stores the checkpoint, so a crash or a failed transaction never hides a log),
 * from the window's start on. Ids, not a high-water mark of time or sequence: a document can
 * become visible after others with a later ingest time (refresh, idle shards, retrying
 * shippers), and `_seq_no` is per shard.
 */
export function recordedInWindow(recorded: readonly ReadCandidate[] | undefined, readFrom: number): ReadCandidate[] {
  return (recorded ?? []).filter((c) => c.time >= readFrom).slice(0, MAX_RECORDED_CANDIDATES);
}

/** `must_not` clauses excluding these candidates, per index (`_id` is unique per index only). */
export function exclusionsOf(recorded: readonly ReadCandidate[]): Query[] {
  const byIndex = new Map<string, string[]>();
  for (const { sourceId } of recorded) {
    const slash = sourceId.indexOf('/');
    const index = sourceId.slice(0, slash);
    const ids = byIndex.get(index) ?? [];
    ids.push(sourceId.slice(slash + 1));
    byIndex.set(index, ids);
  }
  return [...byIndex].map(([index, ids]) => ({
    bool: { filter: [{ term: { _index: index } }, { ids: { values: ids } }] },
  }));
}

/**
 * Which of a window's candidates to store as recorded: those the next window re-reads (counted
 * at or after `keepFrom`), while room lasts. The rest would only be transferred once more.
 */
export class CandidatesToRemember {
  private room: number;

  constructor(
    private readonly keepFrom: number,
    alreadyStored: number,
  ) {
    this.room = Math.max(0, MAX_RECORDED_CANDIDATES - alreadyStored);
  }

  take(candidates: readonly ReadCandidate[]): ReadCandidate[] {
    const kept: ReadCandidate[] = [];
    for (const c of candidates) {
      if (this.room <= 0) break;
      if (c.time < this.keepFrom) continue;
      kept.push({ sourceId: c.sourceId, time: c.time });
      this.room -= 1;
    }
    return kept;
  }
}
