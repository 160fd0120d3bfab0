import type { TSchema } from 'typebox';
import Value from 'typebox/value';

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

export class ConflictError extends Error {
  constructor(message: string) {
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
  for (const error of Value.Errors(schema, value)) {
    if (error.keyword === 'boolean') continue; // repeated by the additionalProperties error
    if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      for (const name of extra) problems.push({ field: name, message: 'is not a known field' });
      continue;
    }
    problems.push({ field: fieldOf(error.instancePath), message: error.message });
  }
  return problems;
}

/** Validates and returns the value typed by the schema, or throws ValidationError. */
export function validated<T>(schema: TSchema, value: unknown): T {
  const problems = schemaProblems(schema, value);
  if (problems.length > 0) throw new ValidationError(problems);
  return value as T;
}
