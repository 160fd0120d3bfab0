import type { LogFieldNames } from '../../config/config.js';
import type { EsHttpClient } from './http-client.js';

/** The logical fields the adapter queries, beside the message that it only reads from `_source`. */
export type FieldRole = 'timestamp' | 'duration' | 'app' | 'messageKey' | 'correlationId' | 'level';

export interface FieldCheck {
  field: string;
  /** The mapped type(s), `+`-joined when indices disagree; `unmapped` when no index maps it. */
  type: string;
  ok: boolean;
  message: string;
}

export interface FieldProblem {
  role: FieldRole;
  message: string;
}

export interface FieldResolution {
  /** The field each role is queried, sorted and aggregated on (`x` or its `x.keyword` sub-field). */
  queryField: Record<FieldRole, string>;
  /** For roles mapped `text` in some indices and `keyword` in others: the plain keyword field. */
  fallback: Partial<Record<FieldRole, string>>;
  checks: FieldCheck[];
  /** Mappings the adapter cannot work with; operations needing these roles refuse to run. */
  problems: FieldProblem[];
  /** Roles whose field no matched index maps yet (nothing to find; not an error). */
  unmapped: FieldRole[];
}

type CapsEntry = Record<string, { type: string; searchable?: boolean; aggregatable?: boolean; indices?: string[] }>;
interface FieldCapsBody {
  indices?: string[];
  fields?: Record<string, CapsEntry>;
}

const NUMERIC = new Set([
  'long',
  'integer',
  'short',
  'byte',
  'double',
  'float',
  'half_float',
  'scaled_float',
  'unsigned_long',
]);
const DATES = new Set(['date', 'date_nanos']);
const KEYWORDS = new Set(['keyword', 'constant_keyword', 'wildcard']);
const KEYWORD_ROLES = ['app', 'messageKey', 'correlationId', 'level'] as const;

/** Asks `_field_caps` how the configured fields are mapped in the target indices. */
export async function checkFields(
  client: EsHttpClient,
  target: string,
  fields: LogFieldNames,
): Promise<FieldResolution> {
  const names = new Set<string>([fields.timestamp, fields.duration]);
  for (const role of KEYWORD_ROLES) names.add(fields[role]).add(`${fields[role]}.keyword`);
  const { body } = await client.request<FieldCapsBody>({
    method: 'GET',
    path: `/${target}/_field_caps`,
    query: { fields: [...names].join(','), ignore_unavailable: true, allow_no_indices: true },
  });
  return resolveFields(body, fields);
}

export function resolveFields(body: FieldCapsBody, fields: LogFieldNames): FieldResolution {
  const caps = body.fields ?? {};
  const typesOf = (name: string) => Object.values(caps[name] ?? {}).map((c) => c.type);
  const indicesOf = (name: string, type: string) => caps[name]?.[type]?.indices;
  const checks: FieldCheck[] = [];
  const problems: FieldProblem[] = [];
  const unmapped: FieldRole[] = [];
  const queryField = {} as Record<FieldRole, string>;
  const fallback: Partial<Record<FieldRole, string>> = {};

  const numericOrDate = (role: 'timestamp' | 'duration', allowed: Set<string>, wanted: string, hint: string) => {
    const name = fields[role];
    queryField[role] = name;
    const types = typesOf(name);
    if (types.length === 0) {
      unmapped.push(role);
      checks.push({ field: name, type: 'unmapped', ok: true, message: 'not mapped in any matched index yet' });
      return;
    }
    const wrong = types.filter((t) => !allowed.has(t));
    if (wrong.length === 0) {
      checks.push({ field: name, type: types.join('+'), ok: true, message: `${wanted} field` });
      return;
    }
    const where = wrong
      .map((t) => {
        const indices = indicesOf(name, t);
        return indices ? `${t} in ${indices.join(', ')}` : t;
      })
      .join('; ');
    const message = `${name} is mapped as ${where}, but lagwatch needs a ${wanted} field: ${hint}`;
    checks.push({ field: name, type: types.join('+'), ok: false, message });
    problems.push({ role, message });
  };

  numericOrDate(
    'timestamp',
    DATES,
    'date',
    `map it as "date" in the index template, or set FIELD_TIMESTAMP to a date field`,
  );
  numericOrDate(
    'duration',
    NUMERIC,
    'numeric',
    `a string duration (often dynamically mapped JSON) cannot be compared or averaged; map it as "long" or "double" in the index template and reindex, or set FIELD_DURATION to a numeric field`,
  );

  for (const role of KEYWORD_ROLES) {
    const name = fields[role];
    const types = typesOf(name);
    const subTypes = typesOf(`${name}.keyword`);
    if (types.length === 0) {
      queryField[role] = name;
      unmapped.push(role);
      checks.push({ field: name, type: 'unmapped', ok: true, message: 'not mapped in any matched index yet' });
      continue;
    }
    if (!types.includes('text')) {
      queryField[role] = name;
      checks.push({ field: name, type: types.join('+'), ok: true, message: `queried as ${name}` });
      continue;
    }
    if (subTypes.some((t) => KEYWORDS.has(t))) {
      queryField[role] = `${name}.keyword`;
      const others = types.filter((t) => t !== 'text');
      const mixed = others.length > 0;
      if (mixed && others.every((t) => KEYWORDS.has(t))) fallback[role] = name;
      const message = !mixed
        ? `text field; queried as its keyword sub-field ${name}.keyword`
        : fallback[role]
          ? `${name} is text (with ${name}.keyword) in some indices and ${others.join('/')} in others; queried as either, aggregated with a painless script`
          : `${name} is text in some indices and ${others.join('/')} in others; queried as ${name}.keyword, which misses the indices without that sub-field`;
      checks.push({ field: name, type: types.join('+'), ok: !mixed || fallback[role] !== undefined, message });
      continue;
    }
    queryField[role] = name;
    const message = `${name} is a text field without a keyword sub-field: exact matches and aggregations on it are impossible; map it as "keyword" in the index template`;
    checks.push({ field: name, type: types.join('+'), ok: false, message });
    problems.push({ role, message });
  }
  return { queryField, fallback, checks, problems, unmapped };
}
