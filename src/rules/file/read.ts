import { readFile } from 'node:fs/promises';
import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import { normalizeNames } from '../../validation/names.js';
import { type Problem, schemaProblems } from '../../validation/problems.js';
import { kindNamed } from '../kinds/registry.js';
import { fileChannels } from './channels.js';
import type { FileProblem, FileRule, FileTarget, RulesDocument } from './document.js';
import { ruleKey, ruleLabel } from './keys.js';
import { crossFieldProblems, fileCreateSchema, fileTargetSchema, KIND_NAMES } from './kinds.js';
import { positionOf, stepsOf } from './positions.js';
import { substituteEnv } from './secrets.js';

export type RulesFileResult = { ok: true; document: RulesDocument } | { ok: false; problems: FileProblem[] };

type Step = string | number;

interface KeyEntry {
  key: string;
  label: string;
  at: Step[];
}

/**
 * Reads a rules file (YAML, one document: `rules:` and `targets:`) and checks it as the API
 * checks its bodies: every problem with its line and column, or the document. `${NAME}` in a
 * string is taken from `env`.
 */
export async function readRulesFile(
  path: string,
  env: Record<string, string | undefined> = process.env,
): Promise<RulesFileResult> {
  const text = await readTextOrProblem(path);
  return typeof text === 'string' ? checkRulesText(text, path, env) : { ok: false, problems: [text] };
}

/** A file's text, or why it cannot be read as a problem at its first line (rules and rule test files). */
export async function readTextOrProblem(file: string): Promise<string | FileProblem> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read';
    return { file, line: 1, column: 1, path: '', message: reason };
  }
}

/** The same checks over a file's text (`file` names it in problems). */
export function checkRulesText(
  text: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
): RulesFileResult {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, keepSourceTokens: true });
  const problems: FileProblem[] = [];
  const at = (offset: number, path: string, message: string) => {
    const { line, col } = lines.linePos(offset);
    problems.push({ file, line, column: col, path, message });
  };
  if (!Array.isArray(parsed)) return { ok: true, document: { rules: [], targets: [] } };
  for (const doc of parsed) {
    for (const error of doc.errors) at(error.pos[0], '', firstLine(error.message));
  }
  if (parsed.length > 1) {
    at(parsed[1]?.range[0] ?? 0, '', `one YAML document expected; the file holds ${parsed.length} (drop the ---)`);
  }
  const doc = parsed[0];
  if (problems.length > 0) return { ok: false, problems: sorted(problems) };
  if (!doc) return { ok: true, document: { rules: [], targets: [] } };
  return new FileChecker(file, doc, lines, env).check();
}

class FileChecker {
  private readonly problems: FileProblem[] = [];
  /** Natural keys of the rules (valid or not), to find duplicates. */
  private readonly ruleKeys: KeyEntry[] = [];
  /** The database holds one target per name, whatever its type. */
  private readonly targetNames: KeyEntry[] = [];

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly env: Record<string, string | undefined>,
  ) {}

  check(): RulesFileResult {
    let value: unknown;
    try {
      value = this.doc.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      this.problem([], (error as Error).message);
      return this.result({ rules: [], targets: [] });
    }
    if (value === null || value === undefined) return this.result({ rules: [], targets: [] });
    if (!isPlainObject(value)) {
      this.problem([], 'must be a mapping with rules: (a list) and targets: (a list)');
      return this.result({ rules: [], targets: [] });
    }
    for (const key of Object.keys(value)) {
      if (key !== 'rules' && key !== 'targets') this.problem([key], 'is not a known field (rules:, targets:)', true);
    }
    const rules = this.list(value, 'rules').flatMap((item, i) => this.rule(item, i) ?? []);
    const targets = this.list(value, 'targets').flatMap((item, i) => this.target(item, i) ?? []);
    this.duplicates(this.ruleKeys);
    this.duplicates(this.targetNames);
    return this.result({ rules: rules.map((r) => r.rule), targets: targets.map((t) => t.target) });
  }

  private list(value: Record<string, unknown>, key: 'rules' | 'targets'): unknown[] {
    const items = value[key];
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items)) {
      this.problem([key], `must be a list of ${key === 'rules' ? 'rules' : 'targets'}`);
      return [];
    }
    return items;
  }

  private rule(item: unknown, index: number): { rule: FileRule; path: Step[] } | undefined {
    const path: Step[] = ['rules', index];
    if (!isPlainObject(item)) {
      this.problem(path, `must be a mapping with kind: (${KIND_NAMES.join(', ')}) and that kind's fields`);
      return undefined;
    }
    const { kind: kindName, ...raw } = item;
    if (kindName === undefined) {
      this.problem([...path, 'kind'], `is required: one of ${KIND_NAMES.join(', ')}`);
      return undefined;
    }
    const kind = typeof kindName === 'string' ? kindNamed(kindName) : undefined;
    if (!kind) {
      this.problem([...path, 'kind'], `must be one of: ${KIND_NAMES.join(', ')}`);
      return undefined;
    }
    const schema = fileCreateSchema(kind);
    const keyField = kind.family === 'window' ? 'name' : kind.name === 'message' ? 'message_key' : 'app_name';
    const named = normalizeNames(schema, raw) as Record<string, unknown>;
    if (typeof named.app_name === 'string' && typeof named[keyField] === 'string') {
      this.ruleKeys.push({ key: ruleKey(kind, named), label: ruleLabel(kind, named), at: [...path, keyField] });
    }
    const body = this.substituted(raw, path);
    if (!body) return undefined;
    const normalized = normalizeNames(schema, body) as Record<string, unknown>;
    if (!this.fieldProblems(path, schemaProblems(schema, normalized))) return undefined;
    if (!this.fieldProblems(path, crossFieldProblems(kind, normalized))) return undefined;
    return { rule: { kind: kind.name, body: normalized, line: this.lineOf(path) }, path };
  }

  private target(item: unknown, index: number): { target: FileTarget; path: Step[] } | undefined {
    const path: Step[] = ['targets', index];
    if (!isPlainObject(item)) {
      this.problem(path, 'must be a mapping with name:, type: and external_id:');
      return undefined;
    }
    const named = normalizeNames(fileTargetSchema(), item) as Record<string, unknown>;
    if (typeof named.name === 'string') {
      this.targetNames.push({
        key: named.name,
        label: `target named "${named.name}" (target names are unique, whatever the type)`,
        at: [...path, 'name'],
      });
    }
    const body = this.substituted(item, path);
    if (!body) return undefined;
    const normalized = normalizeNames(fileTargetSchema(), body) as Record<string, unknown>;
    if (!this.fieldProblems(path, schemaProblems(fileTargetSchema(), normalized))) return undefined;
    const address = fileChannels().targetAddressProblem(String(normalized.type), String(normalized.external_id));
    if (address && !this.fieldProblems(path, [address])) return undefined;
    return { target: { body: normalized, line: this.lineOf(path) }, path };
  }

  /** The body with `${NAME}` substituted in every string; undefined when a reference fails. */
  private substituted(body: Record<string, unknown>, path: Step[]): Record<string, unknown> | undefined {
    let ok = true;
    const walk = (value: unknown, at: Step[]): unknown => {
      if (typeof value === 'string') {
        const result = substituteEnv(value, this.env);
        if (result.ok) return result.value;
        ok = false;
        for (const p of result.problems) this.problem(at, p.message, false, p.text);
        return value;
      }
      if (Array.isArray(value)) return value.map((v, i) => walk(v, [...at, i]));
      if (isPlainObject(value)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...at, k])]));
      }
      return value;
    };
    const out = walk(body, path) as Record<string, unknown>;
    return ok ? out : undefined;
  }

  /** Records problems named by dotted field under `path`; true when there were none. */
  private fieldProblems(path: Step[], problems: Problem[]): boolean {
    for (const p of problems) {
      this.problem([...path, ...stepsOf(p.field)], p.message, p.message === 'is not a known field');
    }
    return problems.length === 0;
  }

  private duplicates(entries: KeyEntry[]): void {
    const first = new Map<string, KeyEntry>();
    for (const entry of entries) {
      const earlier = first.get(entry.key);
      if (earlier === undefined) first.set(entry.key, entry);
      else this.problem(entry.at, `duplicates the ${earlier.label} at line ${this.lineOf(earlier.at)}`);
    }
  }

  private lineOf(path: Step[]): number {
    return positionOf(this.doc, this.lines, path).line;
  }

  private problem(path: Step[], message: string, atKey = false, within?: string): void {
    const { line, column } = positionOf(this.doc, this.lines, path, { atKey, within });
    this.problems.push({ file: this.file, line, column, path: path.join('.'), message });
  }

  private result(document: RulesDocument): RulesFileResult {
    return this.problems.length > 0 ? { ok: false, problems: sorted(this.problems) } : { ok: true, document };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function sorted(problems: FileProblem[]): FileProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
