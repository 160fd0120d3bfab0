import type { LogRecord } from '../log-record.js';
import type { Query } from './queries.js';

/** At most this many ids go into one exclusion clause (the request body stays a few hundred KB). */
const MAX_EXCLUDED = 10_000;

/**
 * Candidates of earlier checkpoint windows that are known to be recorded, so that re-reading the
 * overlap does not transfer them again. A window's candidates count as recorded only once the
 * scanner passes that window's final cursor back (it stores the cursor after recording), so a
 * crash or a failed transaction never hides a log. Kept in memory: after a restart the overlap is
 * simply transferred once more.
 */
export class RecentCandidates {
  private readonly recorded = new Map<string, number>();
  private pending: { cursor: string; candidates: Map<string, number> } | undefined;

  /** Called at the start of a checkpoint scan with the cursor the scanner stored. */
  confirm(storedCursor: string | undefined): void {
    if (this.pending && storedCursor === this.pending.cursor) {
      for (const [id, time] of this.pending.candidates) {
        if (this.recorded.size >= MAX_EXCLUDED) break;
        this.recorded.set(id, time);
      }
    }
    this.pending = undefined;
  }

  /** Forgets logs older than the window now read. */
  prune(readFrom: number): void {
    for (const [id, time] of this.recorded) if (time < readFrom) this.recorded.delete(id);
  }

  /** `must_not` clauses excluding the recorded candidates, per index (`_id` is unique per index only). */
  exclusions(): Query[] {
    const byIndex = new Map<string, string[]>();
    for (const sourceId of this.recorded.keys()) {
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

  /** Remembers a window's candidates until its final cursor comes back. */
  track(finalCursor: string, candidates: readonly Pick<LogRecord, 'sourceId' | 'time'>[]): void {
    if (!this.pending || this.pending.cursor !== finalCursor)
      this.pending = { cursor: finalCursor, candidates: new Map() };
    for (const c of candidates) {
      if (this.pending.candidates.size >= MAX_EXCLUDED) return;
      this.pending.candidates.set(c.sourceId, c.time);
    }
  }
}
