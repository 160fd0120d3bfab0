import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Settings } from 'typebox/system';
import { normalizeNames } from '../validation/names.js';
import { fieldOf, MAX_SCHEMA_ERRORS, type Problem, ValidationError } from '../validation/problems.js';
import { splitUnknownFields } from '../validation/unknown-fields.js';

// TypeBox stops after 8 errors by default; an answer must list every problem, unknown fields
// included (one error each). Bodies are size-bounded, so the errors of one are too.
Settings.Set({ maxErrors: MAX_SCHEMA_ERRORS });

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

/**
 * Validates every request part with TypeBox, reporting every problem by field. Query strings,
 * path parameters and headers are converted first, strictly ("5" → 5, "true" → true; "1.5",
 * "0x10" or "1e3" for an integer stay text and fail); bodies are taken as sent, so
 * `"max_duration": "5"` is an error. Names are NFC-normalised first. Failures are thrown as ValidationError with
 * Fastify's `validationContext`, which the error handler turns into 400 (query, params) or
 * 422 (body).
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const compiled = Compile(schema);
  const convert = httpPart !== 'body';
  return (value: unknown) => {
    if (httpPart === 'body' && value === undefined) {
      return { error: new ValidationError([{ field: '', message: 'a JSON body is required' }]) };
    }
    // Names are compared and stored in NFC: normalised before they are checked.
    const candidate = normalizeNames(schema, convert ? convertFlat(schema, value) : value);
    const { known, unknown } = splitUnknownFields(schema, candidate);
    if (unknown.length === 0 && compiled.Check(candidate)) return { value: candidate };
    // Every unknown field is named, after the problems of the known ones (an object of unknown
    // fields only is not also "empty").
    const problems = problemsOf(compiled.Errors(known) as SchemaError[]).filter(
      (p) => unknown.length === 0 || p.field !== '' || p.message !== EMPTY_OBJECT,
    );
    for (const field of unknown) problems.push({ field, message: 'is not a known field' });
    return { error: new ValidationError(problems) };
  };
};

const EMPTY_OBJECT = 'must contain at least one field';

const INTEGER_TEXT = /^-?\d{1,20}$/;
const NUMBER_TEXT = /^-?\d{1,20}(\.\d{1,20})?$/;

/** Converts the text values of a flat object (query string, path parameters) to their schema's types. */
function convertFlat(schema: TSchema, value: unknown): unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (!properties || typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const type = properties[key]?.type;
    if (typeof item !== 'string') out[key] = item;
    else if (type === 'integer' && INTEGER_TEXT.test(item)) out[key] = Number(item);
    else if (type === 'number' && NUMBER_TEXT.test(item)) out[key] = Number(item);
    else if (type === 'boolean' && (item === 'true' || item === 'false')) out[key] = item === 'true';
    else out[key] = item;
  }
  return out;
}

/** Turns TypeBox/ajv-style errors into one readable problem per field. */
export function problemsOf(errors: readonly SchemaError[]): Problem[] {
  const problems: Problem[] = [];
  const allowed = new Map<string, unknown[]>(); // union-of-literals failures, by field
  for (const error of errors) {
    const field = fieldOf(error.instancePath);
    switch (error.keyword) {
      case 'boolean': // `additionalProperties: false` failing: one error per unknown field
        if (error.schemaPath.endsWith('/additionalProperties')) {
          problems.push({ field, message: 'is not a known field' });
        }
        break;
      case 'anyOf': // summarised by its const alternatives below
        break;
      case 'required':
        for (const name of (error.params.requiredProperties as string[] | undefined) ?? []) {
          problems.push({ field: join(field, name), message: 'is required' });
        }
        break;
      case 'additionalProperties':
        for (const name of (error.params.additionalProperties as string[] | undefined) ?? []) {
          problems.push({ field: join(field, name), message: 'is not a known field' });
        }
        break;
      case 'const': {
        const values = allowed.get(field) ?? [];
        values.push(error.params.allowedValue);
        allowed.set(field, values);
        break;
      }
      case 'pattern':
        problems.push({
          field,
          message:
            'must be printable text without control or invisible format characters (such as bidirectional marks, zero-width spaces, soft hyphens) or white space at either end',
        });
        break;
      case 'minProperties':
        problems.push({ field, message: EMPTY_OBJECT });
        break;
      default:
        problems.push({ field, message: error.message });
    }
  }
  for (const [field, values] of allowed) {
    problems.push({ field, message: `must be one of: ${values.join(', ')}` });
  }
  return dedupe(problems);
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
