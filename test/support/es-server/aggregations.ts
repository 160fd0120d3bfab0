import { type Mapping, type ResolvedField, resolveField, type StoredDoc, valuesOf } from './documents.js';
import { badRequest, shardFailure, TEXT_FIELDDATA } from './errors.js';
import { compareSortValues, compileQuery, type Predicate, parseSort, sortValueReader } from './query-dsl.js';

/** Resolves fields and queries per index, since indices may map a field differently. */
export interface AggContext {
  mappingOf(doc: StoredDoc): Mapping;
  /** Which rank an HDR `percentiles` reads on this server (see personas.ts). */
  hdrRounding: 'half-up' | 'ceil';
}

type Spec = Record<string, unknown>;
type Key = string | number | boolean | null;

const NUMERIC_AGGS = new Set(['avg', 'max', 'min', 'sum', 'value_count', 'stats', 'percentiles']);

/** Computes the `aggs` of a request exactly over the matched documents. */
export function computeAggs(aggs: Spec | undefined, docs: StoredDoc[], ctx: AggContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(aggs ?? {})) {
    const spec = raw as Spec;
    const sub = (spec.aggs ?? spec.aggregations) as Spec | undefined;
    const kinds = Object.keys(spec).filter((k) => k !== 'aggs' && k !== 'aggregations' && k !== 'meta');
    if (kinds.length !== 1) throw badRequest('parsing_exception', `Expected one aggregation type for [${name}]`);
    const kind = kinds[0]!;
    out[name] = computeOne(kind, spec[kind] as Spec, sub, docs, ctx);
  }
  return out;
}

function fieldReader(name: string, ctx: AggContext, agg: string): (doc: StoredDoc) => Key[] {
  const cache = new Map<Mapping, ResolvedField | undefined>();
  if (name === '_index') return (doc) => [doc.index];
  return (doc) => {
    const mapping = ctx.mappingOf(doc);
    let field = cache.get(mapping);
    if (!cache.has(mapping)) {
      field = resolveField(mapping, name);
      if (field?.type === 'text') throw shardFailure('illegal_argument_exception', TEXT_FIELDDATA(name));
      if (field && NUMERIC_AGGS.has(agg) && !['long', 'double', 'date'].includes(field.type)) {
        throw shardFailure(
          'illegal_argument_exception',
          `Field [${name}] of type [${field.type}] is not supported for aggregation [${agg}]`,
        );
      }
      cache.set(mapping, field);
    }
    return field ? valuesOf(doc, field) : [];
  };
}

function numbers(docs: StoredDoc[], read: (doc: StoredDoc) => Key[]): number[] {
  const out: number[] = [];
  for (const doc of docs) for (const v of read(doc)) out.push(v as number);
  return out;
}

/**
 * `percentiles` as the real servers answer: with `hdr`, the upper end of the 3-significant-digit
 * cell holding the value at the rank the server's HdrHistogram reads; without, t-digest, which on
 * few values interpolates between neighbouring ranks at q·(n−1).
 */
export function percentileOf(
  sorted: number[],
  percent: number,
  hdr: boolean,
  rounding: 'half-up' | 'ceil',
): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (!hdr) {
    const position = (percent / 100) * (n - 1);
    const below = Math.floor(position);
    const above = Math.min(n - 1, below + 1);
    return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
  }
  const rank =
    rounding === 'ceil'
      ? Math.ceil((Math.min(Math.max(percent - Number.EPSILON * percent, 0), 100) / 100) * n)
      : Math.trunc((percent / 100) * n + 0.5);
  const value = sorted[Math.min(n, Math.max(1, rank)) - 1]!;
  return value <= 0 ? 0 : hdrCellTop(value);
}

/** The highest value HDR (3 significant digits: 2048 sub-buckets per power of two) treats as equal. */
function hdrCellTop(value: number): number {
  const width = 2 ** (Math.floor(Math.log2(value)) - 10);
  return (Math.floor(value / width) + 1) * width - width / 1024;
}

function computeOne(kind: string, spec: Spec, sub: Spec | undefined, docs: StoredDoc[], ctx: AggContext): unknown {
  switch (kind) {
    case 'avg':
    case 'max':
    case 'min':
    case 'sum':
    case 'value_count': {
      const values = numbers(docs, fieldReader(String(spec.field), ctx, kind));
      if (kind === 'value_count') return { value: values.length };
      if (kind === 'sum') return { value: values.reduce((a, b) => a + b, 0) };
      if (values.length === 0) return { value: null };
      if (kind === 'avg') return { value: values.reduce((a, b) => a + b, 0) / values.length };
      return { value: values.reduce((a, b) => (kind === 'max' ? Math.max(a, b) : Math.min(a, b))) };
    }
    case 'stats': {
      const values = numbers(docs, fieldReader(String(spec.field), ctx, kind));
      const sum = values.reduce((a, b) => a + b, 0);
      const n = values.length;
      return {
        count: n,
        min: n ? values.reduce((a, b) => Math.min(a, b)) : null,
        max: n ? values.reduce((a, b) => Math.max(a, b)) : null,
        avg: n ? sum / n : null,
        sum,
      };
    }
    case 'percentiles': {
      const values = numbers(docs, fieldReader(String(spec.field), ctx, kind)).sort((a, b) => a - b);
      const percents = (spec.percents as number[] | undefined) ?? [1, 5, 25, 50, 75, 95, 99];
      const value = (p: number) => percentileOf(values, p, spec.hdr !== undefined, ctx.hdrRounding);
      if (spec.keyed === false) return { values: percents.map((p) => ({ key: p, value: value(p) })) };
      return { values: Object.fromEntries(percents.map((p) => [p.toFixed(1), value(p)])) };
    }
    case 'filter': {
      const predicates = new Map<Mapping, Predicate>();
      const matched = docs.filter((doc) => {
        const mapping = ctx.mappingOf(doc);
        let p = predicates.get(mapping);
        if (!p) {
          p = compileQuery(spec, mapping);
          predicates.set(mapping, p);
        }
        return p(doc);
      });
      return { doc_count: matched.length, ...computeAggs(sub, matched, ctx) };
    }
    case 'terms':
      return terms(spec, sub, docs, ctx);
    case 'top_hits':
      return topHits(spec, docs, ctx);
    case 'composite':
      return composite(spec, sub, docs, ctx);
    case 'date_histogram':
      return dateHistogram(spec, sub, docs, ctx);
    default:
      throw badRequest('parsing_exception', `Unknown aggregation type [${kind}]`);
  }
}

function groupBy(
  docs: StoredDoc[],
  keysOf: (doc: StoredDoc) => Key[][],
): Map<string, { key: Key[]; docs: StoredDoc[] }> {
  const groups = new Map<string, { key: Key[]; docs: StoredDoc[] }>();
  for (const doc of docs) {
    for (const key of keysOf(doc)) {
      const id = JSON.stringify(key);
      let group = groups.get(id);
      if (!group) {
        group = { key, docs: [] };
        groups.set(id, group);
      }
      group.docs.push(doc);
    }
  }
  return groups;
}

function compareKeys(a: Key[], b: Key[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1; // missing_bucket sorts first in ascending order
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * `terms` with `size` and `order`: by `_count` (the default, most first), `_key`, a
 * single-value metric sub-aggregation (`{"max_ms": "desc"}`), or an aggregation path as the
 * servers take it: single-bucket aggregations joined by `>`, then a metric, `.name` picking one
 * value of a multi-value metric (`{"dur>stats.count": "desc"}`); a path ending in a
 * single-bucket aggregation orders by its doc_count. A list orders by each in turn. Exact over
 * the matched documents (one shard).
 */
function terms(spec: Spec, sub: Spec | undefined, docs: StoredDoc[], ctx: AggContext): unknown {
  const read = fieldReader(String(spec.field), ctx, 'terms');
  const groups = [...groupBy(docs, (doc) => [...new Set(read(doc))].map((v) => [v])).values()].map((g) => ({
    ...g,
    aggs: computeAggs(sub, g.docs, ctx),
  }));
  const orders = (Array.isArray(spec.order) ? spec.order : spec.order ? [spec.order] : [{ _count: 'desc' }]).map(
    (o) => {
      const [name, direction] = Object.entries(o as Record<string, string>)[0]!;
      if (name !== '_count' && name !== '_key' && !(sub && pathRoot(name) in sub)) {
        throw badRequest('aggregation_execution_exception', `Invalid aggregation order path [${name}]`);
      }
      return { name, sign: direction === 'asc' ? 1 : -1 };
    },
  );
  const orderValue = (g: (typeof groups)[number], name: string): Key => {
    if (name === '_count') return g.docs.length;
    if (name === '_key') return g.key[0] ?? null;
    return orderPathValue(g.aggs, name);
  };
  groups.sort((a, b) => {
    for (const { name, sign } of orders) {
      const x = orderValue(a, name);
      const y = orderValue(b, name);
      if (x === y) continue;
      // A metric without a value sorts last either way, as Elasticsearch's do.
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * sign;
    }
    return compareKeys(a.key, b.key);
  });
  const size = (spec.size as number | undefined) ?? 10;
  const shown = groups.slice(0, size);
  return {
    doc_count_error_upper_bound: 0,
    sum_other_doc_count: groups.slice(size).reduce((n, g) => n + g.docs.length, 0),
    buckets: shown.map((g) => ({ key: g.key[0], doc_count: g.docs.length, ...g.aggs })),
  };
}

const pathRoot = (path: string) => path.split('>')[0]!.split('.')[0]!;

/** The value an order path names in a bucket's computed sub-aggregations. */
function orderPathValue(aggs: Record<string, unknown>, path: string): Key {
  const steps = path.split('>');
  let current: Record<string, unknown> = aggs;
  for (const step of steps.slice(0, -1)) {
    const next = current[step] as Record<string, unknown> | undefined;
    if (!next || typeof next.doc_count !== 'number') {
      throw badRequest('aggregation_execution_exception', `Invalid aggregation order path [${path}]`);
    }
    current = next;
  }
  const [name, metric] = steps.at(-1)!.split('.') as [string, string | undefined];
  const last = current[name] as Record<string, unknown> | undefined;
  if (!last) throw badRequest('aggregation_execution_exception', `Invalid aggregation order path [${path}]`);
  if (metric !== undefined) return (last[metric] ?? null) as Key;
  if ('value' in last) return (last.value ?? null) as Key;
  if (typeof last.doc_count === 'number') return last.doc_count as Key;
  throw badRequest('aggregation_execution_exception', `Invalid aggregation order path [${path}]`);
}

/** `top_hits` with `size` (default 3) and `sort`; every hit with its whole `_source`. */
function topHits(spec: Spec, docs: StoredDoc[], ctx: AggContext): unknown {
  const keys = parseSort(spec.sort);
  const readers = new Map<Mapping, ReturnType<typeof sortValueReader>>();
  const hits = docs.map((doc) => {
    const mapping = ctx.mappingOf(doc);
    let read = readers.get(mapping);
    if (!read) {
      read = sortValueReader(keys, mapping);
      readers.set(mapping, read);
    }
    return { doc, sort: read(doc) };
  });
  if (keys.length > 0) hits.sort((a, b) => compareSortValues(keys, a.sort, b.sort) || a.doc.seq - b.doc.seq);
  const size = (spec.size as number | undefined) ?? 3;
  return {
    hits: {
      total: { value: docs.length, relation: 'eq' },
      max_score: null,
      hits: hits.slice(0, size).map((h) => ({
        _index: h.doc.index,
        _id: h.doc.id,
        _score: null,
        _source: h.doc.source,
        ...(keys.length > 0 ? { sort: h.sort } : {}),
      })),
    },
  };
}

function composite(spec: Spec, sub: Spec | undefined, docs: StoredDoc[], ctx: AggContext): unknown {
  const sources = (spec.sources as Spec[]).map((source) => {
    const [name, def] = Object.entries(source)[0]!;
    const termsSpec = (def as Spec).terms as Spec | undefined;
    if (!termsSpec)
      throw badRequest('parsing_exception', `composite source [${name}]: only terms sources are supported`);
    return {
      name,
      read: fieldReader(String(termsSpec.field), ctx, 'composite'),
      missing: termsSpec.missing_bucket === true,
    };
  });
  const size = (spec.size as number | undefined) ?? 10;
  const groups = groupBy(docs, (doc) => {
    let keys: Key[][] = [[]];
    for (const source of sources) {
      const values: Key[] = [...new Set(source.read(doc))];
      if (values.length === 0) {
        if (!source.missing) return [];
        values.push(null);
      }
      keys = keys.flatMap((k) => values.map((v) => [...k, v]));
    }
    return keys;
  });
  let ordered = [...groups.values()].sort((a, b) => compareKeys(a.key, b.key));
  const after = spec.after as Record<string, Key> | undefined;
  if (after) {
    const afterKey = sources.map((s) => after[s.name] ?? null);
    ordered = ordered.filter((g) => compareKeys(g.key, afterKey) > 0);
  }
  const page = ordered.slice(0, size);
  const keyObject = (key: Key[]) => Object.fromEntries(sources.map((s, i) => [s.name, key[i] ?? null]));
  return {
    ...(page.length > 0 ? { after_key: keyObject(page[page.length - 1]!.key) } : {}),
    buckets: page.map((g) => ({ key: keyObject(g.key), doc_count: g.docs.length, ...computeAggs(sub, g.docs, ctx) })),
  };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function dateHistogram(spec: Spec, sub: Spec | undefined, docs: StoredDoc[], ctx: AggContext): unknown {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(String(spec.fixed_interval ?? ''));
  if (!match)
    throw badRequest(
      'illegal_argument_exception',
      `failed to parse setting [date_histogram.fixedInterval] with value [${String(spec.fixed_interval)}]`,
    );
  const interval = Number(match[1]) * UNIT_MS[match[2]!]!;
  const read = fieldReader(String(spec.field), ctx, 'date_histogram');
  const groups = groupBy(docs, (doc) => read(doc).map((t) => [Math.floor((t as number) / interval) * interval]));
  const minDocCount = (spec.min_doc_count as number | undefined) ?? 0;
  const starts = [...groups.values()].map((g) => g.key[0] as number).sort((a, b) => a - b);
  const all: number[] = [];
  if (minDocCount === 0 && starts.length > 0) {
    for (let t = starts[0]!; t <= starts[starts.length - 1]!; t += interval) all.push(t);
  } else all.push(...starts);
  return {
    buckets: all
      .map((start) => ({ start, docs: groups.get(JSON.stringify([start]))?.docs ?? [] }))
      .filter((b) => b.docs.length >= minDocCount)
      .map((b) => ({
        key_as_string: new Date(b.start).toISOString(),
        key: b.start,
        doc_count: b.docs.length,
        ...computeAggs(sub, b.docs, ctx),
      })),
  };
}
