/**
 * A whole rule table held in memory for the list endpoints, so a `GET /rules/app` reads one
 * primary-key row instead of every rule of the page.
 *
 * Before each use the table's revision is read (`table_revisions`, bumped in the same
 * transaction as every write made through lagwatch, by this process or another one sharing the
 * database), so a list never misses such a write. Edits made by hand in SQL do not bump it; the
 * copy is therefore also re-read once it is older than `maxAgeMs`. Tables above `maxRows` are
 * not held at all: the caller reads pages from the database.
 */
export interface RuleTableReader<T> {
  /** Changes with every write made through lagwatch. */
  revision(): Promise<string>;
  count(): Promise<number>;
  /** Every row, in id order. */
  readAll(): Promise<T[]>;
}

export interface RuleListCacheOptions {
  /** The longest a copy is served without a full re-read (default 1 s). */
  maxAgeMs?: number;
  /** Tables with more rows are read page by page from the database (default 20,000). */
  maxRows?: number;
  clock?: () => number;
}

interface Snapshot<T> {
  revision: string;
  rows: readonly T[];
  takenAt: number;
}

export class RuleListCache<T> {
  private snapshot: Snapshot<T> | undefined;
  /** Bumped by every local write, so a re-read that raced one is not kept. */
  private generation = 0;
  private readonly maxAgeMs: number;
  private readonly maxRows: number;
  private readonly clock: () => number;

  constructor(options: RuleListCacheOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 1_000;
    this.maxRows = options.maxRows ?? 20_000;
    this.clock = options.clock ?? (() => performance.now());
  }

  invalidate(): void {
    this.generation += 1;
    this.snapshot = undefined;
  }

  /**
   * Every row of the table in id order, from memory while the revision is unchanged and the
   * copy young enough; undefined when the table is too large to hold.
   */
  async rows(table: RuleTableReader<T>): Promise<readonly T[] | undefined> {
    // The revision is read before the rows: a write landing in between then leaves a copy
    // newer than its revision, which the next call re-reads, never an older one kept as current.
    const revision = await table.revision();
    const now = this.clock();
    const held = this.snapshot;
    if (held && held.revision === revision && now - held.takenAt < this.maxAgeMs) return held.rows;
    this.snapshot = undefined;
    if ((await table.count()) > this.maxRows) return undefined;
    const generation = this.generation;
    const rows = await table.readAll();
    if (generation === this.generation) this.snapshot = { revision, rows, takenAt: now };
    return rows;
  }
}
