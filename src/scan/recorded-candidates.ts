import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { MAX_RECORDED_CANDIDATES, type ReadCandidate, type ScanBatch } from '../logs/source.js';
import type { Checkpoint } from './checkpoints.js';

const INSERT_CHUNK = 500;

/**
 * The `recorded_candidates` table, and every query on it: the candidates of each source's
 * checkpoint scans inside the overlap the next scan re-reads (Elasticsearch), so that any
 * process's next scan leaves them out of its query. Written only in the batch transaction that
 * stores the checkpoint, so a row means its log's violations are committed; pruned there too,
 * down to what the next scan can read (at most MAX_RECORDED_CANDIDATES rows a source).
 */
export async function rememberCandidates(
  trx: Kysely<Database>,
  sourceKey: string,
  remember: NonNullable<ScanBatch['remember']>,
): Promise<void> {
  if (remember.forgetBefore !== undefined) {
    await trx
      .deleteFrom('recorded_candidates')
      .where('source_key', '=', sourceKey)
      .where('seen_time', '<', remember.forgetBefore)
      .execute();
  }
  const rows = remember.candidates.map((c) => ({ source_key: sourceKey, doc_key: c.sourceId, seen_time: c.time }));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('recorded_candidates')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
  }
}

/** A source's recorded candidates, newest first, at most MAX_RECORDED_CANDIDATES. */
export async function readRecordedCandidates(db: Kysely<Database>, sourceKey: string): Promise<ReadCandidate[]> {
  const rows = await db
    .selectFrom('recorded_candidates')
    .select(['doc_key', 'seen_time'])
    .where('source_key', '=', sourceKey)
    .orderBy('seen_time', 'desc')
    .limit(MAX_RECORDED_CANDIDATES)
    .execute();
  return rows.map((r) => ({ sourceId: r.doc_key, time: Number(r.seen_time) }));
}

/**
 * The recorded candidates as of a checkpoint, read again only when the checkpoint row changed
 * (the table changes only in the transactions that write it): a probe every second reads
 * nothing. A copy older than the checkpoint only widens what a probe or scan reads.
 */
export class RecordedCandidatesCache {
  private cached: { version: string; candidates: ReadCandidate[] } | undefined;

  async forCheckpoint(
    db: Kysely<Database>,
    sourceKey: string,
    checkpoint: Checkpoint | undefined,
  ): Promise<ReadCandidate[]> {
    if (!checkpoint) return [];
    const version = `${sourceKey}\n${checkpoint.cursor}\n${checkpoint.updated_at}`;
    if (this.cached?.version !== version) {
      this.cached = { version, candidates: await readRecordedCandidates(db, sourceKey) };
    }
    return this.cached.candidates;
  }
}
