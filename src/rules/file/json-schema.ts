import { RULE_KINDS } from '../kinds/registry.js';
import { fileCreateSchema, fileTargetSchema } from './kinds.js';

type JsonObject = Record<string, unknown>;

/**
 * The JSON Schema (draft 2020-12) of a rules file, built from the schemas the API checks bodies
 * with: a rule is one of the kinds' create bodies, told apart by `kind`. Editors that read JSON
 * Schema (yaml-language-server: `# yaml-language-server: $schema=rules.schema.json`) complete
 * and check the file with it. `${NAME}` references are strings, so a number cannot be one.
 */
export function rulesFileJsonSchema(): JsonObject {
  const rules = RULE_KINDS.map((kind) => {
    const schema = plain(fileCreateSchema(kind)) as JsonObject;
    const properties = (schema.properties ?? {}) as JsonObject;
    return {
      ...schema,
      title: `${kind.name}: ${kind.label}`,
      properties: { kind: { const: kind.name, description: `The rule's kind: ${kind.name}` }, ...properties },
      required: ['kind', ...((schema.required as string[] | undefined) ?? [])],
    };
  });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'lagwatch rules file',
    description: 'Rules of every kind and alert targets, applied with `lagwatch rules:apply <file>`.',
    type: 'object',
    additionalProperties: false,
    properties: {
      rules: {
        type: ['array', 'null'],
        description: `Rules of every kind (${RULE_KINDS.map((k) => k.name).join(', ')}), each with its kind`,
        items: { oneOf: rules },
      },
      targets: {
        type: ['array', 'null'],
        description: 'Alert targets: where notifications go',
        items: plain(fileTargetSchema()),
      },
    },
  };
}

/** A TypeBox schema as plain JSON Schema: its own markers (`~kind`, `x-…`) dropped. */
function plain(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(plain);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('~') || key.startsWith('x-')) continue;
    out[key] = plain(value);
  }
  return out;
}
