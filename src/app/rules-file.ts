import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logging/logger.js';
import { applyRulesDocument } from '../rules/file/apply.js';
import { readRulesFile } from '../rules/file/read.js';
import type { RulesFileProblem, RulesFileStatus } from '../rules/rules-file-status.js';

/** RULES_FILE could not be applied at start-up: `start` refuses to run on rules it was not given. */
export class RulesFileStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RulesFileStartError';
  }
}

export interface RulesFileOptions {
  path: string;
  prune: boolean;
  now?: () => number;
  /** Where `${NAME}` secrets come from (default: the process environment). */
  env?: Record<string, string | undefined>;
}

/**
 * Applies RULES_FILE for a `start` process: at start-up (a file with problems stops the start)
 * and again on every `reload` (SIGHUP), where a file with problems or a failed apply changes
 * nothing and is reported in the log and in `status()`. Reloads run one at a time; the apply
 * itself is idempotent, so several processes over one database may all apply the same file.
 */
export class RulesFileApplier {
  private current: RulesFileStatus;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    private readonly options: RulesFileOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.current = {
      path: options.path,
      prune: options.prune,
      status: 'pending',
      applied_at: null,
      checked_at: null,
      changes: null,
      problems: [],
      error: null,
    };
  }

  status(): RulesFileStatus {
    return structuredClone(this.current);
  }

  /** The start-up apply: throws RulesFileStartError (one line) when the file is not applied. */
  async applyAtStart(): Promise<void> {
    const status = await this.run('start-up');
    if (status.status === 'applied') return;
    const { path } = this.options;
    if (status.status === 'invalid') {
      const first = status.problems[0];
      const count = status.problems.length;
      throw new RulesFileStartError(
        `RULES_FILE ${path} has ${count} problem${count === 1 ? '' : 's'}` +
          (first ? ` (first: ${describeProblem(path, first)})` : '') +
          '; fix it and start again (rules:validate lists them all)',
      );
    }
    throw new RulesFileStartError(`RULES_FILE ${path} could not be applied: ${status.error}`);
  }

  /** Reads and applies the file again (SIGHUP); never throws: the outcome is in the log and status(). */
  reload(): Promise<RulesFileStatus> {
    return this.run('reload');
  }

  private run(reason: 'start-up' | 'reload'): Promise<RulesFileStatus> {
    const next = this.queue.then(() => this.attempt(reason));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async attempt(reason: 'start-up' | 'reload'): Promise<RulesFileStatus> {
    const { path, prune } = this.options;
    const checkedAt = new Date(this.now()).toISOString();
    try {
      const read = await readRulesFile(path, this.options.env);
      if (!read.ok) {
        const problems: RulesFileProblem[] = read.problems.map(({ line, column, path: at, message }) => ({
          line,
          column,
          path: at,
          message,
        }));
        for (const problem of problems) {
          this.logger.error(
            { rules_file: path, line: problem.line, column: problem.column },
            describeProblem(path, problem),
          );
        }
        this.logger.error(
          { rules_file: path, problems: problems.length },
          reason === 'start-up'
            ? 'RULES_FILE has problems: not starting'
            : 'RULES_FILE has problems: nothing was changed, the rules applied before stay',
        );
        this.current = { ...this.current, status: 'invalid', checked_at: checkedAt, problems, error: null };
        return this.status();
      }
      const plan = await applyRulesDocument(this.db, read.document, { file: path, prune, dryRun: false });
      const changes = {
        created: plan.creates.length,
        updated: plan.updates.length,
        deleted: plan.deletes.length,
        released: plan.releases.length,
        unchanged: plan.unchanged.length,
      };
      this.logger.info({ rules_file: path, reason, ...changes }, 'RULES_FILE applied');
      this.current = {
        ...this.current,
        status: 'applied',
        applied_at: checkedAt,
        checked_at: checkedAt,
        changes,
        problems: [],
        error: null,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(
        { rules_file: path, reason, err: error },
        'RULES_FILE could not be applied: nothing was changed, the rules applied before stay',
      );
      this.current = { ...this.current, status: 'failed', checked_at: checkedAt, problems: [], error: message };
    }
    return this.status();
  }
}

/** `path:line:column: field: message`, as compilers print problems. */
export function describeProblem(file: string, problem: RulesFileProblem): string {
  const where = `${file}:${problem.line}:${problem.column}`;
  return problem.path === '' ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`;
}
