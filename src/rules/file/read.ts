/**
 * TEMPORARY SHIM (wip/rules-test): stands in for the rules-file helper's reader so that
 * `rules:test` can be built and tested before it lands. The merger drops this file in favour of
 * the real src/rules/file/read.ts, which has the same exported names and shapes.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { schemaProblems } from '../../validation/problems.js';
import { kindNamed } from '../kinds/registry.js';
import { TargetCreate } from '../schemas.js';

export interface RulesFileProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

export interface RulesDocument {
  rules: Array<{ kind: string; body: Record<string, unknown>; line: number }>;
  targets: Array<{ body: Record<string, unknown>; line: number }>;
}

export type RulesFileResult = { ok: true; document: RulesDocument } | { ok: false; problems: RulesFileProblem[] };

export async function readRulesFile(path: string, env: Record<string, string | undefined>): Promise<RulesFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, problems: [{ file: path, line: 0, column: 0, path: '', message: (error as Error).message }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (node: unknown) => {
    const offset = (node as Node | undefined)?.range?.[0] ?? 0;
    return lines.linePos(offset);
  };
  const problems: RulesFileProblem[] = doc.errors.map((e) => {
    const { line, col } = lines.linePos(e.pos[0]);
    return { file: path, line, column: col, path: '', message: e.message.split('\n')[0] ?? '' };
  });
  if (problems.length > 0) return { ok: false, problems };
  const document: RulesDocument = { rules: [], targets: [] };
  const root = doc.contents;
  if (!isMap(root))
    return { ok: false, problems: [{ file: path, line: 1, column: 1, path: '', message: 'must be a map' }] };
  const section = (name: string) => root.items.find((p) => isScalar(p.key) && p.key.value === name)?.value;
  const substitute = (value: unknown): unknown => {
    if (typeof value === 'string')
      return value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
    }
    return value;
  };
  const rules = section('rules');
  if (isSeq(rules)) {
    rules.items.forEach((item, i) => {
      const { kind, ...body } = substitute((item as Node).toJSON()) as Record<string, unknown>;
      const { line, col } = at(item);
      const module = typeof kind === 'string' ? kindNamed(kind) : undefined;
      if (!module) {
        problems.push({ file: path, line, column: col, path: `rules.${i}.kind`, message: 'is not a rule kind' });
        return;
      }
      for (const p of schemaProblems(module.createSchema, body)) {
        problems.push({ file: path, line, column: col, path: `rules.${i}.${p.field}`, message: p.message });
      }
      document.rules.push({ kind: module.name, body, line });
    });
  }
  const targets = section('targets');
  if (isSeq(targets)) {
    targets.items.forEach((item, i) => {
      const body = substitute((item as Node).toJSON()) as Record<string, unknown>;
      const { line, col } = at(item);
      for (const p of schemaProblems(TargetCreate, body)) {
        problems.push({ file: path, line, column: col, path: `targets.${i}.${p.field}`, message: p.message });
      }
      document.targets.push({ body, line });
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, document };
}
