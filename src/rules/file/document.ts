// SHIM (wip/rules-managed): a stand-in for the rules-file helper's document.ts, with the same
// names; the merger keeps theirs.

/** A rules file read and checked: every rule and target as the API's create body takes it. */
export interface RulesDocument {
  rules: FileRule[];
  targets: FileTarget[];
}

export interface FileRule {
  kind: string;
  body: Record<string, unknown>;
  line: number;
}

export interface FileTarget {
  body: Record<string, unknown>;
  line: number;
}

export interface FileProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}
