import { parseTimestamp, readPath } from '../../../src/logs/fields.js';

/**
 * Field types of the fake cluster. `text+keyword` is what dynamic mapping gives a string: a
 * `text` field with a `keyword` sub-field named `<field>.keyword`.
 */
export type FieldType = 'date' | 'keyword' | 'text' | 'text+keyword' | 'long' | 'double' | 'boolean';

export type Mapping = Record<string, FieldType>;

export interface StoredDoc {
  index: string;
  id: string;
  /** Global insertion order: the `_doc` order. */
  seq: number;
  source: Record<string, unknown>;
}

export interface StoredIndex {
  name: string;
  uuid: string;
  mapping: Mapping;
  docs: StoredDoc[];
}

/** A field as queries see it: its type and how to read its values from a document. */
export interface ResolvedField {
  name: string;
  /** `text+keyword` never appears here: the base field is `text`, `<f>.keyword` is `keyword`. */
  type: Exclude<FieldType, 'text+keyword'>;
  sourcePath: string;
}

/** Resolves a field name (maybe `x.keyword`) against one index's mapping; undefined when unmapped. */
export function resolveField(mapping: Mapping, name: string): ResolvedField | undefined {
  const type = mapping[name];
  if (type !== undefined) return { name, type: type === 'text+keyword' ? 'text' : type, sourcePath: name };
  if (name.endsWith('.keyword')) {
    const base = name.slice(0, -'.keyword'.length);
    if (mapping[base] === 'text+keyword') return { name, type: 'keyword', sourcePath: base };
  }
  return undefined;
}

/** Dates as Elasticsearch's default `strict_date_optional_time||epoch_millis`, plus `yyyy/MM/dd HH:mm:ss` (a custom format). */
export function parseDate(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const custom = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
    if (custom) return Date.UTC(+custom[1]!, +custom[2]! - 1, +custom[3]!, +custom[4]!, +custom[5]!, +custom[6]!);
  }
  return parseTimestamp(value);
}

export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** The indexed values of a field in a document ("doc values"), typed; [] when it has none. */
export function valuesOf(doc: StoredDoc, field: ResolvedField): (string | number | boolean)[] {
  const raw = readPath(doc.source, field.sourcePath);
  if (raw === undefined || raw === null) return [];
  const items = Array.isArray(raw) ? raw : [raw];
  const out: (string | number | boolean)[] = [];
  for (const item of items) {
    const value = convert(item, field.type);
    if (value !== undefined) out.push(value);
  }
  return out;
}

function convert(item: unknown, type: ResolvedField['type']): string | number | boolean | undefined {
  switch (type) {
    case 'date':
      return parseDate(item);
    case 'long':
    case 'double': {
      const n =
        typeof item === 'number' ? item : typeof item === 'string' && item.trim() !== '' ? Number(item) : Number.NaN;
      if (!Number.isFinite(n)) return undefined;
      return type === 'long' ? Math.trunc(n) : n;
    }
    case 'keyword':
      if (typeof item === 'object') return undefined;
      // Dynamic `.keyword` sub-fields have ignore_above 256.
      return String(item).length > 256 ? undefined : String(item);
    case 'text':
      return typeof item === 'object' ? undefined : String(item);
    case 'boolean':
      return item === true || item === 'true';
  }
}

/** What Elasticsearch's dynamic mapping makes of the fields of a new document. */
export function dynamicMapping(source: Record<string, unknown>, mapping: Mapping, prefix = ''): void {
  for (const [key, value] of Object.entries(source)) {
    const name = prefix + key;
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      dynamicMapping(value as Record<string, unknown>, mapping, `${name}.`);
      continue;
    }
    if (mapping[name] !== undefined) continue;
    const sample = Array.isArray(value) ? value[0] : value;
    if (typeof sample === 'number') mapping[name] = Number.isInteger(sample) ? 'long' : 'double';
    else if (typeof sample === 'boolean') mapping[name] = 'boolean';
    else if (typeof sample === 'string') {
      // date_detection: strings in strict_date_optional_time become dates.
      mapping[name] = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(sample) ? 'date' : 'text+keyword';
    }
  }
}

/** Turns the `properties` of an Elasticsearch mapping into the fake cluster's flat mapping. */
export function mappingFromProperties(properties: Record<string, unknown>, prefix = '', out: Mapping = {}): Mapping {
  for (const [key, spec] of Object.entries(properties)) {
    const s = spec as {
      type?: string;
      properties?: Record<string, unknown>;
      fields?: Record<string, { type?: string }>;
    };
    const name = prefix + key;
    if (s.properties) {
      mappingFromProperties(s.properties, `${name}.`, out);
      continue;
    }
    const type = s.type ?? 'object';
    if (type === 'text') out[name] = s.fields?.keyword?.type === 'keyword' ? 'text+keyword' : 'text';
    else if (type === 'date' || type === 'date_nanos') out[name] = 'date';
    else if (['long', 'integer', 'short', 'byte'].includes(type)) out[name] = 'long';
    else if (['double', 'float', 'half_float', 'scaled_float'].includes(type)) out[name] = 'double';
    else if (type === 'keyword' || type === 'constant_keyword' || type === 'wildcard') out[name] = 'keyword';
    else if (type === 'boolean') out[name] = 'boolean';
  }
  return out;
}
