/** One thing wrong with the rules file, where it is. */
export interface RulesFileProblem {
  line: number;
  column: number;
  /** Where in the document, dotted (`rules.2.threshold`); empty: the whole file. */
  path: string;
  message: string;
}

/** What a change of the last successful apply did, by count. */
export interface RulesFileChanges {
  created: number;
  updated: number;
  deleted: number;
  released: number;
  unchanged: number;
}

/**
 * The RULES_FILE a `start` process applies, as `/monitor/server` shows it: `applied` (the last
 * attempt succeeded), `invalid` (the file has problems: nothing was changed, the rules applied
 * before stay), `failed` (the apply failed, e.g. the database: nothing was changed), or
 * `pending` (not tried yet).
 */
export interface RulesFileStatus {
  path: string;
  prune: boolean;
  status: 'pending' | 'applied' | 'invalid' | 'failed';
  /** The last successful apply; null before the first. */
  applied_at: string | null;
  /** The last attempt (start-up or SIGHUP). */
  checked_at: string | null;
  /** What the last successful apply changed. */
  changes: RulesFileChanges | null;
  /** The file's problems at the last attempt (status invalid). */
  problems: RulesFileProblem[];
  /** Why the last attempt failed (status failed). */
  error: string | null;
}
