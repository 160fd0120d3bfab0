// SHIM (wip/rules-managed): a stand-in for the rules-file helper's read.ts with the same
// signature: YAML parsed, `kind` checked, nothing validated. The merger keeps theirs.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { kindNamed } from '../kinds/registry.js';
import type { FileProblem, RulesDocument } from './document.js';

export type RulesFileResult = { ok: true; document: RulesDocument } | { ok: false; problems: FileProblem[] };

export async function readRulesFile(
  path: string,
  _env: Record<string, string | undefined> = process.env,
): Promise<RulesFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { ok: false, problems: [{ file: path, line: 1, column: 1, path: '', message: 'cannot be read' }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const problems: FileProblem[] = doc.errors.map((error) => {
    const { line, col } = lines.linePos(error.pos[0]);
    return { file: path, line, column: col, path: '', message: error.message.split('\n')[0] ?? '' };
  });
  if (problems.length > 0) return { ok: false, problems };
  const value = (doc.toJS() ?? {}) as {
    rules?: Array<Record<string, unknown>>;
    targets?: Array<Record<string, unknown>>;
  };
  const document: RulesDocument = { rules: [], targets: [] };
  for (const [index, item] of (value.rules ?? []).entries()) {
    const { kind, ...body } = item;
    if (typeof kind !== 'string' || !kindNamed(kind)) {
      problems.push({ file: path, line: 1, column: 1, path: `rules.${index}.kind`, message: 'is not a rule kind' });
    } else document.rules.push({ kind, body, line: 1 });
  }
  for (const body of value.targets ?? []) document.targets.push({ body, line: 1 });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, document };
}
