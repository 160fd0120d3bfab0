/**
 * Names (app names, message keys, target names, who made a silence, and the filters on them):
 * which characters they may hold, and the one form they are stored in.
 */

/**
 * What a name may not hold anywhere, as the body of a regular-expression class for the `u` flag
 * (where a class of surrogates matches only unpaired ones): C0 and C1 control characters, DEL,
 * lone surrogates (they cannot be stored as UTF-8, so two names would be stored alike), every
 * format character (Unicode category Cf: bidirectional marks and controls such as U+200E,
 * U+200F, U+061C, U+202E, U+2066; zero-width U+200B–U+200D, U+2060, U+FEFF; the soft hyphen
 * U+00AD; and the rest) and the line and paragraph separators U+2028 and U+2029. Each makes a
 * name read differently than it is, or look like another name.
 */
export const NAME_FORBIDDEN_CLASS = '\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff\\p{Cf}\\u2028\\u2029';

const FORBIDDEN = new RegExp(`[${NAME_FORBIDDEN_CLASS}]`, 'u');

/** Whether a text holds a character no name may hold (see NAME_FORBIDDEN_CLASS). */
export function hasForbiddenNameCharacter(text: string): boolean {
  return FORBIDDEN.test(text);
}

const FORBIDDEN_ALL = new RegExp(`[${NAME_FORBIDDEN_CLASS}]`, 'gu');

/** Text from elsewhere (a Telegram user's name) made fit to be part of a name: those characters removed, NFC, trimmed. */
export function asNameText(text: string): string {
  return text.replace(FORBIDDEN_ALL, '').normalize('NFC').trim();
}

/**
 * The keyword that marks a string schema as a name: its value is NFC-normalised before it is
 * validated (see normalizeNames), so "café" typed precomposed and "cafe" + U+0301 are one name.
 */
export const NFC_KEYWORD = 'x-normalize';
export const NFC_MARK = { [NFC_KEYWORD]: 'NFC' } as const;

interface SchemaShape {
  [NFC_KEYWORD]?: unknown;
  properties?: Record<string, SchemaShape>;
  items?: SchemaShape;
  anyOf?: SchemaShape[];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The value with every string the schema marks as a name in NFC (objects, arrays and unions
 * followed); the value itself when nothing changes. The input is never modified.
 */
export function normalizeNames(schema: unknown, value: unknown): unknown {
  const shape = schema as SchemaShape | null;
  if (shape === null || typeof shape !== 'object') return value;
  if (typeof value === 'string') {
    const marked =
      shape[NFC_KEYWORD] === 'NFC' || (shape.anyOf ?? []).some((member) => member?.[NFC_KEYWORD] === 'NFC');
    return marked ? value.normalize('NFC') : value;
  }
  if (Array.isArray(value) && shape.items) {
    const items = value.map((item) => normalizeNames(shape.items, item));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (isPlainObject(value) && shape.properties) {
    let out: Record<string, unknown> | undefined;
    for (const [key, property] of Object.entries(shape.properties)) {
      if (!Object.hasOwn(value, key)) continue;
      const normalized = normalizeNames(property, value[key]);
      if (normalized === value[key]) continue;
      out ??= { ...value };
      out[key] = normalized;
    }
    return out ?? value;
  }
  return value;
}
