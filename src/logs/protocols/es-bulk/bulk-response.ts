import type { BulkItem } from './bulk-items.js';

const SHARDS = { total: 1, successful: 1, failed: 0 } as const;

/** Elasticsearch's bulk answer: `{took, errors, items: [{<action>: {...}}]}`, one item per action in order. */
export function bulkResponse(items: readonly BulkItem[], tookMs: number) {
  let seqNo = 0;
  let errors = false;
  const answered = items.map((item) => {
    if (item.error) {
      errors = true;
      return { [item.action]: { _index: item.index, _id: item.id, status: 400, error: item.error } };
    }
    return {
      [item.action]: {
        _index: item.index,
        _id: item.id,
        _version: 1,
        result: 'created',
        _shards: SHARDS,
        _seq_no: seqNo++,
        _primary_term: 1,
        status: 201,
      },
    };
  });
  return { took: Math.max(0, Math.round(tookMs)), errors, items: answered };
}

/**
 * Elasticsearch's `filter_path`: comma-separated dotted paths whose segments may be `*` globs
 * (`errors,items.*.error`); arrays are looked through, and objects left empty are dropped, as
 * Elasticsearch does. Exclusions (`-path`) and `**` are not supported: those paths are ignored.
 */
export function filterPath(value: unknown, filter: string | undefined): unknown {
  if (filter === undefined || filter.trim() === '') return value;
  const paths = filter
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path !== '' && !path.startsWith('-') && !path.includes('**'))
    .map((path) => path.split('.').map(globOf));
  if (paths.length === 0) return value;
  return pick(value, paths) ?? {};
}

function globOf(segment: string): RegExp {
  const escaped = segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** The parts of value the paths reach; undefined when none. */
function pick(value: unknown, paths: RegExp[][]): unknown {
  if (paths.some((path) => path.length === 0)) return value;
  if (Array.isArray(value)) {
    const kept = value.map((element) => pick(element, paths)).filter((element) => element !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const rest = paths.filter((path) => path[0].test(key)).map((path) => path.slice(1));
    if (rest.length === 0) continue;
    const picked = pick(child, rest);
    if (picked !== undefined) out[key] = picked;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
