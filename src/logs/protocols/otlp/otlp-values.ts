/**
 * Readers for the OTLP values that come in two shapes: decoded protobuf (Uint8Array ids, Long
 * int64, enum numbers) and OTLP JSON (hex ids, int64 as strings or numbers, enums as numbers or
 * names). Both readers accept either, so one mapping serves both encodings.
 */

/** AnyValue nesting deeper than this (arrays and kvlists in arrays and kvlists …) refuses the item. */
export const MAX_VALUE_DEPTH = 16;

/** A value of an item that cannot be read: the item is refused alone with this reason. */
export class OtlpItemError extends Error {}

type Record_ = Record<string, unknown>;

const isObject = (value: unknown): value is Record_ =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** A field that is set: own and not null (decoded protobuf keeps defaults on the prototype). */
export function field(message: unknown, name: string): unknown {
  if (!isObject(message) || !Object.hasOwn(message, name)) return undefined;
  const value = message[name];
  return value === null ? undefined : value;
}

/** A repeated field as an array (absent: empty); anything else refuses the item. */
export function repeated(message: unknown, name: string): unknown[] {
  const value = field(message, name);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new OtlpItemError(`${name} is not a list`);
  return value;
}

const HEX_ID = /^[0-9a-f]*$/i;

/** A trace or span id as lower-case hex ('' when absent or all zero bytes). */
export function hexId(value: unknown, name: string, bytes: number): string {
  let hex: string;
  if (value === undefined || value === '') return '';
  if (value instanceof Uint8Array) return bytesId(value, name, bytes);
  if (typeof value === 'string' && HEX_ID.test(value)) hex = value.toLowerCase();
  else throw new OtlpItemError(`${name} is not hex`);
  if (hex.length === 0) return '';
  if (hex.length !== bytes * 2) throw new OtlpItemError(`${name} is not ${bytes} bytes`);
  return /^0+$/.test(hex) ? '' : hex;
}

/** hexId of decoded protobuf bytes: checked for length and zeros before any text is made. */
function bytesId(value: Uint8Array, name: string, bytes: number): string {
  if (value.byteLength === 0) return '';
  if (value.byteLength !== bytes) throw new OtlpItemError(`${name} is not ${bytes} bytes`);
  let zero = true;
  for (let i = 0; i < bytes; i++) {
    if (value[i] !== 0) {
      zero = false;
      break;
    }
  }
  if (zero) return '';
  return (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)).toString(
    'hex',
  );
}

/** An unsigned 64-bit integer in two 32-bit halves (as protobufjs decodes one, without BigInt). */
export interface Uint64 {
  high: number;
  low: number;
}

const isLongLike = (value: unknown): value is { high: number; low: number } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Uint64).high === 'number' &&
  typeof (value as Uint64).low === 'number';

const TWO_32 = 4_294_967_296;
const MAX_UINT64 = (1n << 64n) - 1n;

/** Unix nanoseconds (0 when absent), from a decoded fixed64, a number or decimal text. */
export function nanos(value: unknown, name: string): Uint64 {
  if (value === undefined) return { high: 0, low: 0 };
  if (isLongLike(value)) return { high: value.high >>> 0, low: value.low >>> 0 };
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return { high: Math.floor(value / TWO_32), low: value >>> 0 };
  }
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) {
    const big = BigInt(value);
    if (big <= MAX_UINT64) return { high: Number(big >> 32n), low: Number(big & 0xffffffffn) };
  }
  throw new OtlpItemError(`${name} is not unsigned 64-bit nanoseconds`);
}

export const isZero = (value: Uint64): boolean => value.high === 0 && value.low === 0;

/** Epoch milliseconds of unix nanoseconds. */
export function nanosToMs(value: Uint64): number {
  return Math.trunc(value.high * 4_294.967296 + value.low / 1e6);
}

/** end − start in nanoseconds, exactly for any span under 104 days (negative when end is before start). */
export function nanosBetween(start: Uint64, end: Uint64): number {
  return (end.high - start.high) * TWO_32 + (end.low - start.low);
}

/** An enum as its number, from a number or its name in `names` (index = number). */
export function enumNumber(value: unknown, names: readonly string[], name: string): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const index = names.indexOf(value);
    if (index >= 0) return index;
  }
  throw new OtlpItemError(`${name} is not a known value`);
}

/** An OTLP AnyValue as JSON: kvlists become objects, bytes base64, int64 a number (text beyond 2^53). */
export function anyValue(value: unknown, depth = 0): unknown {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpItemError(`a value is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (!isObject(value)) return null;
  let v = field(value, 'stringValue');
  if (v !== undefined) return String(v);
  v = field(value, 'boolValue');
  if (v !== undefined) return v === true;
  v = field(value, 'intValue');
  if (v !== undefined) return intValue(v);
  v = field(value, 'doubleValue');
  if (v !== undefined) return typeof v === 'number' && Number.isFinite(v) ? v : null;
  v = field(value, 'arrayValue');
  if (v !== undefined) return repeated(v, 'values').map((item) => anyValue(item, depth + 1));
  v = field(value, 'kvlistValue');
  if (v !== undefined) return keyValues(repeated(v, 'values'), depth + 1);
  v = field(value, 'bytesValue');
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (typeof v === 'string') return v;
  return null;
}

function intValue(value: unknown): number | string | null {
  if (isLongLike(value)) {
    // A decoded int64: high is signed.
    const n = (value.high | 0) * TWO_32 + (value.low >>> 0);
    return Number.isSafeInteger(n) ? n : ((BigInt(value.high | 0) << 32n) + BigInt(value.low >>> 0)).toString();
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  return null;
}

/** KeyValue[] as an object (a repeated key: the last wins). */
export function keyValues(list: unknown[], depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list) {
    const key = field(kv, 'key');
    if (typeof key !== 'string' || key === '' || key === '__proto__') continue;
    out[key] = anyValue(field(kv, 'value'), depth);
  }
  return out;
}
