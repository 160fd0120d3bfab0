/** A rules file read and checked: every rule and target as the API's create body takes it. */
export interface RulesDocument {
  rules: FileRule[];
  targets: FileTarget[];
}

/** One rule of the file: its kind and its create body (secrets substituted, names in NFC). */
export interface FileRule {
  kind: string;
  body: Record<string, unknown>;
  /** The line its item starts on (1-based). */
  line: number;
}

/** One target of the file: its create body (secrets substituted). */
export interface FileTarget {
  body: Record<string, unknown>;
  line: number;
}

/** One thing wrong with a rules file, where it is and what is expected there. */
export interface FileProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Where in the document, dotted: `rules.2.threshold` (empty: the whole document). */
  path: string;
  message: string;
}

/** `file:line:column: path: message`, as compilers print problems. */
export function formatProblem(problem: FileProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  return problem.path === '' ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`;
}
