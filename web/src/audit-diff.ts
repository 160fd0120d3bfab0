/**
 * An audit record's before and after, as the fields that changed: all of them for a create or
 * a delete, only the differing ones for an update. Pure, so it is unit tested outside a browser.
 */
export interface FieldChange {
  field: string;
  /** Undefined: the field was not there (a create, or a field added). */
  before: unknown;
  after: unknown;
  /** A secret (a target's webhook URL) the update changed: both values are masked, maybe alike. */
  hidden?: true;
}

type Fields = Record<string, unknown> | null;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** The record's own time says when; this field would only repeat it. */
const UNSHOWN = new Set(['updated_at']);

/**
 * The fields that differ, in the order the record lists them (after's, then those only before
 * had). `changedSecrets` (the record's `changed_secrets`) are listed too, marked hidden: their
 * masked values may read alike although the secret changed.
 */
export function changedFields(before: Fields, after: Fields, changedSecrets: readonly string[] = []): FieldChange[] {
  const names = [...new Set([...Object.keys(after ?? {}), ...Object.keys(before ?? {}), ...changedSecrets])];
  return names
    .filter((field) => !UNSHOWN.has(field))
    .map((field): FieldChange => {
      const change = { field, before: before?.[field], after: after?.[field] };
      return changedSecrets.includes(field) ? { ...change, hidden: true } : change;
    })
    .filter((change) => change.hidden || !same(change.before, change.after));
}

/** A field's value in words: text as it is, nothing as "—", lists and objects as compact JSON. */
export function valueWords(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * What a record changed, in words: "latency rule", "#12" and a name from the fields it has. A
 * rule's entity_id carries its kind (`latency:12`), since rule ids are unique only within a kind.
 */
export function entityWords(record: { entity: string; entity_id: string; before: Fields; after: Fields }) {
  const fields = record.after ?? record.before ?? {};
  const rule = record.entity === 'rule' ? /^([a-z][a-z0-9_]*):(\d+)$/.exec(record.entity_id) : null;
  const name = [fields.name, fields.app_name].find((v) => typeof v === 'string' && v !== '') as string | undefined;
  const key = typeof fields.message_key === 'string' && fields.message_key !== '' ? fields.message_key : undefined;
  return {
    kind: rule ? `${rule[1]} rule` : record.entity,
    id: `#${rule ? rule[2] : record.entity_id}`,
    name: [name, key].filter(Boolean).join(' · ') || undefined,
  };
}
