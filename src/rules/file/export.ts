import type { Kysely } from 'kysely';
import { Document, isMap, isPair, isScalar, isSeq, type Node, visit } from 'yaml';
import type { Database } from '../../db/schema.js';
import type { RuleKindModule } from '../kinds/kind.js';
import { RULE_KINDS } from '../kinds/registry.js';
import type { AlertTarget } from '../types.js';
import { fileChannels } from './channels.js';
import { completedRule, fileCreateSchema } from './kinds.js';
import { planStoresOver, sameValue } from './plan.js';
import { envReference, escapeEnv } from './secrets.js';

/** A secret address exported as a reference to an environment variable. */
export interface ExportedSecret {
  target: string;
  type: string;
  variable: string;
}

export interface RulesExport {
  /** The file's content: `rules:` of every kind (each with its `kind`) and `targets:`. */
  document: { rules: Record<string, unknown>[]; targets: Record<string, unknown>[] };
  secrets: ExportedSecret[];
}

/**
 * Today's rules of every kind and targets as a rules file: only create-body fields, defaults
 * left out, in a stable order (kinds in the registry's order, then by natural key; targets by
 * type and name). Applied to any lagwatch, it makes the same rules and targets; applied here, it
 * changes nothing. Secret addresses (webhook URLs, routing keys) become `${LAGWATCH_TARGET_…}`
 * references unless `withSecrets`.
 */
export async function exportRules(db: Kysely<Database>, options: { withSecrets: boolean }): Promise<RulesExport> {
  const stores = planStoresOver(db);
  const rules: Record<string, unknown>[] = [];
  for (const kind of RULE_KINDS) {
    const bodies = (await kind.store(stores.rules).all()).map((rule) => exportedBody(kind, rule as never));
    bodies.sort((a, b) => compareKeys(sortKey(kind, a), sortKey(kind, b)));
    for (const body of bodies) rules.push({ kind: kind.name, ...escapedStrings(body) });
  }
  const targets: Record<string, unknown>[] = [];
  const secrets: ExportedSecret[] = [];
  const variables = new Set<string>();
  const stored = await stores.targets.list({}, { page: 1, per_page: 500 });
  const all: AlertTarget[] = [...stored.items];
  for (let page = 2; all.length < stored.total; page += 1) {
    all.push(...(await stores.targets.list({}, { page, per_page: 500 })).items);
  }
  all.sort((a, b) => compareKeys([a.type, a.name], [b.type, b.name]));
  for (const target of all) {
    const secret = fileChannels().addressSecrets(target.type, target.external_id).length > 0;
    let externalId = escapeEnv(target.external_id);
    if (secret && !options.withSecrets) {
      const variable = uniqueVariable(`LAGWATCH_TARGET_${envWord(target.name)}_EXTERNAL_ID`, variables);
      secrets.push({ target: target.name, type: target.type, variable });
      externalId = envReference(variable);
    }
    targets.push({
      name: escapeEnv(target.name),
      type: target.type,
      external_id: externalId,
      ...(target.is_active ? {} : { is_active: false }),
    });
  }
  return { document: { rules, targets }, secrets };
}

/** The export as YAML, with a comment on every secret reference saying what to set. */
export function exportYaml(exported: RulesExport): string {
  const doc = new Document(exported.document);
  doc.commentBefore =
    ' lagwatch rules file (lagwatch rules:export). Check it with `lagwatch rules:validate <file>`,' +
    '\n apply it with `lagwatch rules:apply <file>`; `lagwatch rules:schema` prints its JSON Schema.';
  const byVariable = new Map(exported.secrets.map((s) => [envReference(s.variable), s]));
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || !isSeq(pair.value)) return;
      if (pair.key.value === 'alert_channels') pair.value.flow = true;
    },
    Scalar(_, node) {
      const secret = typeof node.value === 'string' ? byVariable.get(node.value) : undefined;
      if (secret) {
        node.comment = ` secret: set ${secret.variable} to the ${secret.type} address (or export --with-secrets)`;
      }
    },
  });
  flowShortMaps(doc.contents);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Small maps inside lists inside a rule (burn alerts) read best on one line. */
function flowShortMaps(node: unknown, depth = 0): void {
  if (isSeq(node)) {
    for (const item of node.items) {
      if (depth >= 2 && isMap(item)) (item as { flow?: boolean }).flow = true;
      flowShortMaps(item, depth + 1);
    }
  } else if (isMap(node)) {
    for (const pair of node.items) if (isPair(pair)) flowShortMaps(pair.value as Node, depth + 1);
  }
}

/** A stored rule as the shortest create body that stores it again. */
function exportedBody(kind: RuleKindModule, rule: Record<string, unknown>): Record<string, unknown> {
  const schema = fileCreateSchema(kind) as { properties?: Record<string, unknown>; required?: string[] };
  const required = new Set(schema.required ?? []);
  const body: Record<string, unknown> = {};
  for (const field of Object.keys(schema.properties ?? {})) {
    const value = rule[field];
    if (value !== null && value !== undefined) body[field] = value;
  }
  let complete: Record<string, unknown>;
  try {
    complete = completedRule(kind, body);
  } catch {
    return body;
  }
  for (const field of Object.keys(body)) {
    if (required.has(field)) continue;
    const { [field]: _left, ...without } = body;
    try {
      if (sameValue(completedRule(kind, without), complete)) delete body[field];
    } catch {
      // needed after all (a cross-field check wants it)
    }
  }
  return body;
}

function sortKey(kind: RuleKindModule, body: Record<string, unknown>): string[] {
  if (kind.family === 'window') return [String(body.name)];
  return [String(body.app_name), String(body.message_key ?? '')];
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Every string of a body as the file must write it to mean itself (`${` escaped). */
function escapedStrings(value: Record<string, unknown>): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return escapeEnv(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as Record<string, unknown>;
}

/** A target's name as part of a variable name: upper case letters, digits and _. */
function envWord(name: string): string {
  const word = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return word === '' ? 'TARGET' : word;
}

function uniqueVariable(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i += 1) name = `${base}_${i}`;
  taken.add(name);
  return name;
}
