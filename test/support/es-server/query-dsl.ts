import {
  type Mapping,
  parseDate,
  type ResolvedField,
  resolveField,
  type StoredDoc,
  tokens,
  valuesOf,
} from './documents.js';
import { badRequest, shardFailure, TEXT_FIELDDATA } from './errors.js';

export type Predicate = (doc: StoredDoc) => boolean;

type Clause = Record<string, unknown>;

const asList = (value: unknown): Clause[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as Clause[]) : [value as Clause];

/** Compiles the subset of the query DSL the adapter sends, against one index's mapping. */
export function compileQuery(query: unknown, mapping: Mapping): Predicate {
  if (query === undefined) return () => true;
  if (typeof query !== 'object' || query === null) throw badRequest('parsing_exception', '[query] malformed query');
  const entries = Object.entries(query as Clause);
  if (entries.length !== 1) {
    throw badRequest('parsing_exception', '[query] malformed query, expected a single query clause');
  }
  const [kind, spec] = entries[0]!;
  switch (kind) {
    case 'match_all':
      return () => true;
    case 'bool':
      return compileBool(spec as Clause, mapping);
    case 'term':
      return compileTerms(kind, spec as Clause, mapping, false);
    case 'terms':
      return compileTerms(kind, spec as Clause, mapping, true);
    case 'range':
      return compileRange(spec as Clause, mapping);
    case 'ids': {
      const ids = new Set(((spec as Clause).values as unknown[] | undefined)?.map(String) ?? []);
      return (doc) => ids.has(doc.id);
    }
    case 'exists': {
      const field = resolveField(mapping, String((spec as Clause).field));
      return field ? (doc) => valuesOf(doc, field).length > 0 : () => false;
    }
    default:
      throw badRequest('parsing_exception', `unknown query [${kind}]`);
  }
}

function compileBool(spec: Clause, mapping: Mapping): Predicate {
  const must = [...asList(spec.filter), ...asList(spec.must)].map((q) => compileQuery(q, mapping));
  const mustNot = asList(spec.must_not).map((q) => compileQuery(q, mapping));
  const should = asList(spec.should).map((q) => compileQuery(q, mapping));
  let minimum = 0;
  if (spec.minimum_should_match !== undefined) minimum = Number(spec.minimum_should_match);
  else if (must.length === 0 && should.length > 0) minimum = 1;
  return (doc) => {
    for (const p of must) if (!p(doc)) return false;
    for (const p of mustNot) if (p(doc)) return false;
    if (minimum > 0) {
      let matched = 0;
      for (const p of should) if (p(doc) && ++matched >= minimum) break;
      if (matched < minimum) return false;
    }
    return true;
  };
}

function singleField(kind: string, spec: Clause): [string, unknown] {
  const entries = Object.entries(spec).filter(([k]) => k !== 'boost' && k !== '_name');
  if (entries.length !== 1) throw badRequest('parsing_exception', `[${kind}] query doesn't support multiple fields`);
  return entries[0]!;
}

function compileTerms(kind: string, spec: Clause, mapping: Mapping, many: boolean): Predicate {
  const [name, raw] = singleField(kind, spec);
  let wanted: unknown[];
  if (many) {
    if (!Array.isArray(raw)) throw badRequest('parsing_exception', `[terms] query does not support [${name}]`);
    wanted = raw;
  } else {
    wanted = [typeof raw === 'object' && raw !== null ? (raw as Clause).value : raw];
  }
  if (name === '_index' || name === '_id') {
    const values = new Set(wanted.map(String));
    return name === '_index' ? (doc) => values.has(doc.index) : (doc) => values.has(doc.id);
  }
  const field = resolveField(mapping, name);
  if (!field) return () => false;
  const normalised = new Set(wanted.map((w) => normaliseTerm(field, w)));
  if (field.type === 'text') {
    // term queries are not analysed: they compare against the text's tokens.
    return (doc) => valuesOf(doc, field).some((v) => tokens(String(v)).some((t) => normalised.has(t)));
  }
  return (doc) => valuesOf(doc, field).some((v) => normalised.has(v));
}

function normaliseTerm(field: ResolvedField, value: unknown): string | number | boolean | undefined {
  switch (field.type) {
    case 'long':
    case 'double':
      return Number(value);
    case 'date':
      return parseDate(value);
    case 'boolean':
      return value === true || value === 'true';
    default:
      return String(value);
  }
}

function compileRange(spec: Clause, mapping: Mapping): Predicate {
  const [name, raw] = singleField('range', spec);
  const bounds = raw as { gte?: unknown; gt?: unknown; lte?: unknown; lt?: unknown; format?: string };
  const field = resolveField(mapping, name);
  if (!field) return () => false;
  const bound = (value: unknown): number | string | undefined => {
    if (value === undefined || value === null) return undefined;
    if (field.type === 'date') {
      const parsed = bounds.format === 'epoch_millis' ? Number(value) : parseDate(value);
      if (parsed === undefined || !Number.isFinite(parsed)) {
        throw shardFailure('parse_exception', `failed to parse date field [${String(value)}]`);
      }
      return parsed;
    }
    if (field.type === 'long' || field.type === 'double') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw shardFailure('number_format_exception', `For input string: "${String(value)}"`);
      return n;
    }
    // keyword (and text tokens): lexicographic, which is why a duration mapped as keyword misleads.
    return String(value);
  };
  const gte = bound(bounds.gte);
  const gt = bound(bounds.gt);
  const lte = bound(bounds.lte);
  const lt = bound(bounds.lt);
  const inRange = (v: number | string) =>
    (gte === undefined || v >= gte) &&
    (gt === undefined || v > gt) &&
    (lte === undefined || v <= lte) &&
    (lt === undefined || v < lt);
  return (doc) =>
    valuesOf(doc, field).some((v) =>
      typeof v === 'boolean' ? false : inRange(typeof gte === 'string' ? String(v) : v),
    );
}

export type SortValue = number | string | null;

export interface SortKey {
  kind: 'field' | '_doc' | '_shard_doc';
  field?: string;
  desc: boolean;
  /** `unmapped_type`: indices without the field sort as if it were missing instead of failing. */
  unmappedType?: string;
}

/** Parses `sort` (strings, `{field: "asc"}`, `{field: {order}}`). */
export function parseSort(sort: unknown): SortKey[] {
  if (sort === undefined) return [];
  return asList(sort as Clause).map((entry) => {
    if (typeof entry === 'string') return keyFor(entry, 'asc');
    const [name, spec] = Object.entries(entry)[0]!;
    const options = typeof spec === 'string' ? { order: spec } : (spec as { order?: string; unmapped_type?: string });
    const key = keyFor(name, options.order ?? 'asc');
    if (options.unmapped_type) key.unmappedType = options.unmapped_type;
    return key;
  });
}

function keyFor(name: string, order: string): SortKey {
  const desc = order === 'desc';
  if (name === '_doc' || name === '_shard_doc') return { kind: name, desc };
  return { kind: 'field', field: name, desc };
}

/** Sort values of a document for one index's mapping; refuses text and unmapped fields as Elasticsearch does. */
export function sortValueReader(keys: SortKey[], mapping: Mapping): (doc: StoredDoc) => SortValue[] {
  const readers = keys.map((key) => {
    if (key.kind === '_doc') return (doc: StoredDoc) => doc.seq;
    // Stands for Lucene's (shard, doc) pair: the global insertion order, unique and stable.
    if (key.kind === '_shard_doc') return (doc: StoredDoc) => doc.seq;
    const field = resolveField(mapping, key.field!);
    if (!field && key.unmappedType) return () => null;
    if (!field) throw shardFailure('query_shard_exception', `No mapping found for [${key.field}] in order to sort on`);
    if (field.type === 'text') throw shardFailure('illegal_argument_exception', TEXT_FIELDDATA(key.field!));
    return (doc: StoredDoc) => {
      const values = valuesOf(doc, field) as (number | string)[];
      if (values.length === 0) return null;
      return values.reduce((a, b) => ((key.desc ? b > a : b < a) ? b : a));
    };
  });
  return (doc) => readers.map((read) => read(doc));
}

/** Compares sort tuples; missing values sort last in both directions (Elasticsearch's `_last`). */
export function compareSortValues(keys: SortKey[], a: SortValue[], b: SortValue[]): number {
  for (let i = 0; i < keys.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    const c = x < y ? -1 : 1;
    return keys[i]!.desc ? -c : c;
  }
  return 0;
}
