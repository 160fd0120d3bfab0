import type { TSchema } from 'typebox';
import { Settings } from 'typebox/system';
import Value from 'typebox/value';
import { normalizeNames } from './names.js';

/**
 * How many schema errors TypeBox collects before it stops: far more than any bounded body can
 * cause, so every problem is listed (an unknown field is one error, and 200 of them must not cut
 * the list). TypeBox stops after 8 by default.
 */
export const MAX_SCHEMA_ERRORS = 1_000_000;
Settings.Set({ maxErrors: MAX_SCHEMA_ERRORS });

/** One thing wrong with an input, named by its field (a dotted path; empty for the whole input). */
export interface Problem {
  field: string;
  message: string;
}

/** Invalid input: nothing was changed. HTTP answers it with 422 and every problem. */
export class ValidationError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; '));
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

/** Why a change conflicts: `conflict` (a duplicate), `managed_by_file` (a rules file manages it). */
export type ConflictCode = 'conflict' | 'managed_by_file';

export class ConflictError extends Error {
  constructor(
    message: string,
    readonly code: ConflictCode = 'conflict',
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Turns a JSON-pointer path such as `/alert_channels/1` into `alert_channels.1`. */
export function fieldOf(instancePath: string): string {
  return instancePath.replace(/^\//, '').replace(/\//g, '.');
}

export function schemaProblems(schema: TSchema, value: unknown): Problem[] {
  const problems: Problem[] = [];
  const unknownFields = new Set<string>();
  const errors = [...Value.Errors(schema, value)];
  // A union of literals fails once per literal plus once for the anyOf: say it once, listing them.
  const allowedByPath = new Map<string, unknown[]>();
  for (const error of errors) {
    if (error.keyword === 'const') {
      const allowed = allowedByPath.get(error.instancePath) ?? [];
      allowed.push((error.params as { allowedValue?: unknown }).allowedValue);
      allowedByPath.set(error.instancePath, allowed);
    }
  }
  for (const error of errors) {
    const field = fieldOf(error.instancePath);
    switch (error.keyword) {
      case 'boolean': // `additionalProperties: false` failing: one error per unknown field
        if (error.schemaPath.endsWith('/additionalProperties') && !unknownFields.has(field)) {
          unknownFields.add(field);
          problems.push({ field, message: 'is not a known field' });
        }
        continue;
      case 'const':
        continue;
      case 'anyOf': {
        const allowed = allowedByPath.get(error.instancePath);
        problems.push({
          field,
          message: allowed ? `must be one of: ${allowed.join(', ')}` : error.message,
        });
        continue;
      }
      case 'additionalProperties': {
        const extra = (error.params as { additionalProperties?: string[] }).additionalProperties ?? [];
        for (const name of extra) {
          const unknown = joinField(field, name);
          if (unknownFields.has(unknown)) continue;
          unknownFields.add(unknown);
          problems.push({ field: unknown, message: 'is not a known field' });
        }
        continue;
      }
      case 'required': {
        const missing = (error.params as { requiredProperties?: string[] }).requiredProperties ?? [];
        for (const name of missing) problems.push({ field: joinField(field, name), message: 'is required' });
        continue;
      }
      default:
        problems.push({ field, message: error.message });
    }
  }
  return problems;
}

function joinField(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/**
 * Validates and returns the value typed by the schema (names NFC-normalised, see
 * src/validation/names.ts), or throws ValidationError.
 */
export function validated<T>(schema: TSchema, value: unknown): T {
  const normalized = normalizeNames(schema, value);
  const problems = schemaProblems(schema, normalized);
  if (problems.length > 0) throw new ValidationError(problems);
  return normalized as T;
}
