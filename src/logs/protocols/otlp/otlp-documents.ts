import type { LogFieldNames } from '../../../config/config.js';
import { msToUnit } from '../../fields.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../../ndjson/line-splitter.js';
import type { NdjsonLine } from '../../ndjson/ndjson-line.js';
import { OtlpItemError } from './otlp-values.js';

/**
 * What becomes of one OTLP item (span or log record): its log document, or why it is refused.
 * The document is JSON text (an NDJSON line), so it then goes through exactly the validation
 * and storage of a POST /ingest line.
 */
export function documentLine(
  ordinal: number,
  build: () => Record<string, unknown>,
  resource: { value: Record<string, unknown>; json: string } | undefined,
): NdjsonLine {
  try {
    const doc = build();
    let text = JSON.stringify(doc);
    // The resource is the same for every item of a batch: serialised once and spliced in; the
    // object handed on for validation (as the parsed line) gets it by reference.
    if (resource !== undefined) {
      text = `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"resource":${resource.json}}`;
      doc.resource = resource.value;
    }
    if (text.length > DEFAULT_MAX_LINE_LENGTH / 3 && Buffer.byteLength(text) > DEFAULT_MAX_LINE_LENGTH) {
      return { lineNumber: ordinal, error: `its log document is larger than ${DEFAULT_MAX_LINE_LENGTH} bytes` };
    }
    return { lineNumber: ordinal, text, doc };
  } catch (error) {
    if (error instanceof OtlpItemError) return { lineNumber: ordinal, error: error.message };
    throw error;
  }
}

/** A duration in nanoseconds in the unit the field mapping stores (DURATION_UNIT). */
export function durationInUnit(durationNs: number, fields: LogFieldNames): number {
  return fields.durationUnit === 'ns' ? durationNs : msToUnit(durationNs / 1e6, fields.durationUnit);
}

/** The first of the attribute sets (span first, then resource) that has `name`, as text. */
export function namedAttribute(name: string, ...sets: Record<string, unknown>[]): string | undefined {
  for (const set of sets) {
    const value = set[name];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  }
  return undefined;
}
