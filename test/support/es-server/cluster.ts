import { randomUUID } from 'node:crypto';
import { computeAggs } from './aggregations.js';
import { dynamicMapping, type Mapping, mappingFromProperties, type StoredDoc, type StoredIndex } from './documents.js';
import { badRequest, EsServerError, shardFailure } from './errors.js';
import { hdrRoundingOf, type Persona } from './personas.js';
import {
  compareSortValues,
  compileQuery,
  type Predicate,
  parseSort,
  type SortKey,
  type SortValue,
  sortValueReader,
} from './query-dsl.js';

type Body = Record<string, unknown>;

interface Hit {
  doc: StoredDoc;
  sort: SortValue[];
}

interface PointInTime {
  currentId: string;
  /** The snapshot: indices are append-only, so each index's length at opening time. */
  parts: { index: StoredIndex; length: number }[];
  /** Sorted matches per (query, sort), so that paging does not filter the snapshot again. */
  cache: Map<string, Hit[]>;
}

interface Scroll {
  hits: Hit[];
  offset: number;
  size: number;
}

const MAX_RESULT_WINDOW = 10_000;

/** Counters tests assert on. */
export interface ClusterStats {
  /** Hits sent in search and scroll answers. */
  hitsReturned: number;
  pitsOpened: number;
  pitsClosed: number;
  scrollsOpened: number;
  scrollsClosed: number;
  /** Searches that sent a PIT id older than the newest one the server answered. */
  staleIdUses: number;
  /** Bodies of every search (tests check what the adapter sends). */
  searchBodies: Body[];
}

export const emptyStats = (): ClusterStats => ({
  hitsReturned: 0,
  pitsOpened: 0,
  pitsClosed: 0,
  scrollsOpened: 0,
  scrollsClosed: 0,
  staleIdUses: 0,
  searchBodies: [],
});

/** The in-memory cluster behind the test server: indices, documents, PITs and scrolls. */
/** `indices.query.bool.max_clause_count` as OpenSearch keeps it, and Elasticsearch 7 per bool. */
const MAX_CLAUSE_COUNT = 1024;

/** Query nodes as Lucene's clause check counts them: every leaf and every bool. */
function countClauses(query: unknown): number {
  if (query === null || typeof query !== 'object') return 0;
  const bool = (query as { bool?: Record<string, unknown> }).bool;
  if (!bool || typeof bool !== 'object') return 1;
  let count = 1;
  for (const key of ['filter', 'must', 'should', 'must_not']) {
    const part = bool[key];
    if (part === undefined) continue;
    for (const q of Array.isArray(part) ? part : [part]) count += countClauses(q);
  }
  return count;
}

export class Cluster {
  readonly indices = new Map<string, StoredIndex>();
  stats: ClusterStats = emptyStats();
  healthStatus: 'green' | 'yellow' | 'red' = 'green';
  private seq = 0;
  private readonly pits = new Map<string, PointInTime>();
  private readonly scrolls = new Map<string, Scroll>();
  private readonly mappingOfDoc = (doc: StoredDoc) => this.indices.get(doc.index)!.mapping;

  constructor(readonly persona: Persona) {}

  get openPits(): number {
    return new Set(this.pits.values()).size;
  }

  get openScrolls(): number {
    return this.scrolls.size;
  }

  createIndex(name: string, mapping: Mapping = {}): StoredIndex {
    if (this.indices.has(name)) {
      throw new EsServerError(
        400,
        'resource_already_exists_exception',
        `index [${name}/${this.indices.get(name)!.uuid}] already exists`,
      );
    }
    const index: StoredIndex = {
      name,
      uuid: randomUUID().replace(/-/g, '').slice(0, 22),
      mapping: { ...mapping },
      docs: [],
    };
    this.indices.set(name, index);
    return index;
  }

  createIndexFromBody(name: string, body: Body | undefined): void {
    const properties = (body?.mappings as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    this.createIndex(name, mappingFromProperties(properties));
  }

  deleteIndex(name: string): void {
    if (!this.indices.delete(name)) throw indexNotFound(name);
  }

  /** Adds a document, mapping new fields dynamically; visible to every search started afterwards. */
  addDocument(indexName: string, source: Record<string, unknown>, id?: string): StoredDoc {
    const index = this.indices.get(indexName) ?? this.createIndex(indexName);
    dynamicMapping(source, index.mapping);
    const seq = this.seq++;
    const doc: StoredDoc = { index: indexName, id: id ?? `d${seq.toString(36)}`, seq, source };
    index.docs.push(doc);
    return doc;
  }

  /** Index names for a target (`a,b*,-c`), as Elasticsearch resolves it. */
  resolve(target: string | undefined, params: URLSearchParams): StoredIndex[] {
    const ignoreUnavailable = params.get('ignore_unavailable') === 'true';
    const allowNoIndices = params.get('allow_no_indices') !== 'false';
    if (target === undefined || target === '_all' || target === '*') return [...this.indices.values()];
    const chosen = new Set<StoredIndex>();
    for (const part of target.split(',')) {
      if (part.startsWith('-')) {
        const exclude = patternRegex(part.slice(1));
        for (const index of chosen) if (exclude.test(index.name)) chosen.delete(index);
        continue;
      }
      if (part.includes('*')) {
        const regex = patternRegex(part);
        const found = [...this.indices.values()].filter((i) => regex.test(i.name));
        if (found.length === 0 && !allowNoIndices) throw indexNotFound(part);
        for (const index of found) chosen.add(index);
        continue;
      }
      const index = this.indices.get(part);
      if (index) chosen.add(index);
      else if (!ignoreUnavailable) throw indexNotFound(part);
    }
    return [...chosen];
  }

  private match(docs: StoredDoc[], query: unknown): StoredDoc[] {
    const clauses = countClauses(query);
    if (clauses > MAX_CLAUSE_COUNT) {
      // Lucene 9 (Elasticsearch 8+, OpenSearch 2+) counts the whole query; Elasticsearch 7 each bool.
      throw shardFailure(
        'too_many_nested_clauses',
        `Query contains too many nested clauses; maxClauseCount is set to ${MAX_CLAUSE_COUNT}`,
      );
    }
    const predicates = new Map<string, Predicate>();
    const out: StoredDoc[] = [];
    for (const doc of docs) {
      let p = predicates.get(doc.index);
      if (!p) {
        p = compileQuery(query, this.mappingOfDoc(doc));
        predicates.set(doc.index, p);
      }
      if (p(doc)) out.push(doc);
    }
    return out;
  }

  private sorted(docs: StoredDoc[], keys: SortKey[]): Hit[] {
    const readers = new Map<string, ReturnType<typeof sortValueReader>>();
    const hits = docs.map((doc) => {
      let read = readers.get(doc.index);
      if (!read) {
        read = sortValueReader(keys, this.mappingOfDoc(doc));
        readers.set(doc.index, read);
      }
      return { doc, sort: read(doc) };
    });
    // Without a sort, Elasticsearch orders by score; every match scores alike here, so index order.
    if (keys.length > 0) hits.sort((a, b) => compareSortValues(keys, a.sort, b.sort) || a.doc.seq - b.doc.seq);
    return hits;
  }

  private checkSort(keys: SortKey[], withPit: boolean): void {
    if (!keys.some((k) => k.kind === '_shard_doc')) return;
    if (!this.persona.shardDoc) {
      throw shardFailure('query_shard_exception', 'No mapping found for [_shard_doc] in order to sort on');
    }
    if (!withPit) {
      throw badRequest(
        'action_request_validation_exception',
        'Validation Failed: 1: [_shard_doc] sort field cannot be used without [point in time];',
      );
    }
  }

  search(target: string | undefined, body: Body, params: URLSearchParams): Body {
    this.stats.searchBodies.push(body);
    const size = (body.size as number | undefined) ?? 10;
    const from = (body.from as number | undefined) ?? 0;
    if (from + size > MAX_RESULT_WINDOW) {
      throw shardFailure(
        'illegal_argument_exception',
        `Result window is too large, from + size must be less than or equal to: [${MAX_RESULT_WINDOW}] but was [${from + size}].`,
      );
    }
    const keys = parseSort(body.sort);
    const pitRef = body.pit as { id?: string } | undefined;
    let pit: PointInTime | undefined;
    let docs: StoredDoc[];
    let indices: StoredIndex[];
    if (pitRef) {
      if (target !== undefined) {
        throw badRequest(
          'action_request_validation_exception',
          'Validation Failed: 1: [indices] cannot be used with point in time. Do not specify any index with point in time.;',
        );
      }
      pit = this.pits.get(String(pitRef.id));
      if (!pit) throw new EsServerError(404, 'search_context_missing_exception', 'No search context found for id [0]');
      if (pitRef.id !== pit.currentId) this.stats.staleIdUses++;
      docs = pit.parts.flatMap((p) => p.index.docs.slice(0, p.length));
      indices = pit.parts.map((p) => p.index);
    } else {
      indices = this.resolve(target, params);
      docs = indices.flatMap((i) => i.docs);
    }
    this.checkSort(keys, pit !== undefined);
    // Every shard checks the sort against its mapping, documents or not.
    for (const index of indices) sortValueReader(keys, index.mapping);
    if (params.has('scroll')) return this.openScroll(docs, body, keys, size);

    let hits: Hit[];
    if (pit) {
      const cacheKey = JSON.stringify({ q: body.query, s: body.sort });
      hits = pit.cache.get(cacheKey) ?? this.sorted(this.match(docs, body.query), keys);
      pit.cache.set(cacheKey, hits);
    } else {
      hits = this.sorted(this.match(docs, body.query), keys);
    }
    const total = hits.length;
    const after = body.search_after as SortValue[] | undefined;
    let start = from;
    if (after) {
      if (keys.length === 0) throw badRequest('parsing_exception', 'Sort must contain at least one field.');
      start = firstAfter(hits, keys, after);
    }
    const page = hits.slice(start, start + size);
    const response = this.searchResponse(page, total, body, keys.length > 0);
    if (body.aggs || body.aggregations) {
      response.aggregations = computeAggs(
        (body.aggs ?? body.aggregations) as Body,
        hits.map((h) => h.doc),
        { mappingOf: this.mappingOfDoc, hdrRounding: hdrRoundingOf(this.persona) },
      );
    }
    if (pit) {
      // Like Elasticsearch, answer a new id with every page; the adapter must send the newest.
      const next = `${pit.currentId.split('~')[0]}~${randomUUID().slice(0, 8)}`;
      this.pits.set(next, pit);
      pit.currentId = next;
      response.pit_id = next;
    }
    return response;
  }

  private searchResponse(page: Hit[], total: number, body: Body, sorted: boolean): Body {
    this.stats.hitsReturned += page.length;
    const track = body.track_total_hits;
    const hits: Body = {
      max_score: sorted ? null : page.length > 0 ? 1 : null,
      hits: page.map((h) => ({
        _index: h.doc.index,
        _id: h.doc.id,
        _score: sorted ? null : 1,
        _source: h.doc.source,
        ...(sorted ? { sort: h.sort } : {}),
      })),
    };
    if (track !== false) {
      const limit = track === true ? Number.POSITIVE_INFINITY : typeof track === 'number' ? track : MAX_RESULT_WINDOW;
      hits.total = total > limit ? { value: limit, relation: 'gte' } : { value: total, relation: 'eq' };
    }
    return {
      took: 1,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits,
    };
  }

  private openScroll(docs: StoredDoc[], body: Body, keys: SortKey[], size: number): Body {
    const hits = this.sorted(this.match(docs, body.query), keys);
    const id = Buffer.from(`scroll:${randomUUID()}`).toString('base64url');
    const scroll: Scroll = { hits, offset: size, size };
    this.scrolls.set(id, scroll);
    this.stats.scrollsOpened++;
    const response = this.searchResponse(hits.slice(0, size), hits.length, body, keys.length > 0);
    if (body.aggs || body.aggregations) {
      response.aggregations = computeAggs(
        (body.aggs ?? body.aggregations) as Body,
        hits.map((h) => h.doc),
        { mappingOf: this.mappingOfDoc, hdrRounding: hdrRoundingOf(this.persona) },
      );
    }
    return { _scroll_id: id, ...response };
  }

  continueScroll(body: Body): Body {
    const id = String(body.scroll_id);
    const scroll = this.scrolls.get(id);
    if (!scroll) throw new EsServerError(404, 'search_context_missing_exception', 'No search context found for id [1]');
    const page = scroll.hits.slice(scroll.offset, scroll.offset + scroll.size);
    scroll.offset += scroll.size;
    return { _scroll_id: id, ...this.searchResponse(page, scroll.hits.length, {}, true) };
  }

  clearScroll(body: Body): { found: boolean; body: Body } {
    const ids = ([] as unknown[]).concat(body.scroll_id ?? []);
    let freed = 0;
    for (const id of ids) if (this.scrolls.delete(String(id))) freed++;
    this.stats.scrollsClosed += freed;
    return { found: freed > 0, body: { succeeded: true, num_freed: freed } };
  }

  openPit(target: string, params: URLSearchParams): Body {
    if (!params.get('keep_alive'))
      throw badRequest('action_request_validation_exception', 'Validation Failed: 1: [keep_alive] is not specified;');
    const parts = this.resolve(target, params).map((index) => ({ index, length: index.docs.length }));
    const base = Buffer.from(`pit:${randomUUID()}`).toString('base64url');
    const id = `${base}~0`;
    const pit: PointInTime = {
      currentId: id,
      parts,
      cache: new Map(),
    };
    this.pits.set(id, pit);
    this.stats.pitsOpened++;
    if (this.persona.pit === 'opensearch') {
      return { pit_id: id, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 }, creation_time: Date.now() };
    }
    return { id, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } };
  }

  /** Closes a PIT by any of its ids; false when unknown. */
  closePit(id: string): boolean {
    const pit = this.pits.get(id);
    if (!pit) return false;
    for (const [key, value] of this.pits) if (value === pit) this.pits.delete(key);
    this.stats.pitsClosed++;
    return true;
  }

  count(target: string | undefined, body: Body | undefined, params: URLSearchParams): Body {
    const docs = this.resolve(target, params).flatMap((i) => i.docs);
    return { count: this.match(docs, body?.query).length, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } };
  }

  fieldCaps(target: string | undefined, fields: string[], params: URLSearchParams): Body {
    const indices = this.resolve(target, params);
    const patterns = fields.map(patternRegex);
    const byField = new Map<string, Map<string, string[]>>();
    const add = (field: string, type: string, index: string) => {
      if (!patterns.some((p) => p.test(field))) return;
      const types = byField.get(field) ?? new Map<string, string[]>();
      types.set(type, [...(types.get(type) ?? []), index]);
      byField.set(field, types);
    };
    for (const index of indices) {
      for (const [field, type] of Object.entries(index.mapping)) {
        if (type === 'text+keyword') {
          add(field, 'text', index.name);
          add(`${field}.keyword`, 'keyword', index.name);
        } else add(field, type, index.name);
      }
    }
    const out: Body = {};
    for (const [field, types] of byField) {
      out[field] = Object.fromEntries(
        [...types].map(([type, names]) => [
          type,
          {
            type,
            metadata_field: false,
            searchable: true,
            aggregatable: type !== 'text',
            ...(types.size > 1 ? { indices: names } : {}),
          },
        ]),
      );
    }
    return { indices: indices.map((i) => i.name), fields: out };
  }
}

function firstAfter(hits: Hit[], keys: SortKey[], after: SortValue[]): number {
  let lo = 0;
  let hi = hits.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareSortValues(keys, hits[mid]!.sort, after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function patternRegex(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

function indexNotFound(name: string): EsServerError {
  return new EsServerError(404, 'index_not_found_exception', `no such index [${name}]`);
}
