import { createHash, randomBytes } from 'node:crypto';
import type { NdjsonLine } from '../../ndjson/ndjson-line.js';

/** Why an item was refused, in Elasticsearch's terms. */
export interface BulkItemError {
  type: string;
  reason: string;
}

/**
 * One action of a bulk body and what became of it. `documentLine` is the body line of the
 * document given to the store (index and create only); its outcome is read from the store's
 * rejections by that line number.
 */
export interface BulkItem {
  action: string;
  index: string;
  id: string;
  documentLine?: number;
  error?: BulkItemError;
}

const STORED_ACTIONS = new Set(['index', 'create']);
/** Actions followed by a source line (delete is not). */
const ACTIONS_WITH_SOURCE = new Set(['index', 'create', 'update']);
const KNOWN_ACTIONS = new Set(['index', 'create', 'update', 'delete']);

/** An action line: `{"<action>": {"_index": …, "_id": …}}`, or why it is not one. */
type ParsedAction = { ok: true; action: string; meta: Record<string, unknown> } | { ok: false; reason: string };

function parseAction(line: NdjsonLine): ParsedAction {
  if ('error' in line) return { ok: false, reason: `action line ${line.lineNumber}: ${line.error}` };
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    return {
      ok: false,
      reason: `action line ${line.lineNumber} is not valid JSON: ${(error as Error).message.slice(0, 200)}`,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: `action line ${line.lineNumber} is not a JSON object` };
  const keys = Object.keys(value);
  if (keys.length !== 1)
    return { ok: false, reason: `action line ${line.lineNumber} must name exactly one action, found ${keys.length}` };
  const action = keys[0];
  const meta = (value as Record<string, unknown>)[action];
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    return {
      ok: false,
      reason: `action line ${line.lineNumber}: the [${action.slice(0, 40)}] metadata is not an object`,
    };
  return { ok: true, action, meta: meta as Record<string, unknown> };
}

/** True for a line that reads as an action of a known kind (used to resynchronise after a bad one). */
function looksLikeAction(line: NdjsonLine): boolean {
  const parsed = parseAction(line);
  return parsed.ok && KNOWN_ACTIONS.has(parsed.action);
}

export interface BulkItemsOptions {
  /** The index named in the URL (`/<index>/_bulk`), used when an action names none. */
  defaultIndex?: string;
  /** Given: generated ids derive from it and the item's position, so a replay answers the same ids. */
  idempotencyKey?: string;
}

/**
 * Splits a bulk body's lines into actions and documents: every action becomes a BulkItem (in
 * `items`), and the documents of index and create actions are yielded on, by their own line
 * numbers, for the store to validate and keep. Other actions are refused per item. A line that
 * is not a known action is refused and, unless the line after it reads as an action, that
 * following line is taken as its document and skipped, so one bad action never shifts the
 * pairing of the rest of the body.
 */
export async function* bulkDocuments(
  lines: AsyncIterable<readonly NdjsonLine[]>,
  items: BulkItem[],
  options: BulkItemsOptions = {},
): AsyncGenerator<NdjsonLine[]> {
  const newId = idGenerator(options.idempotencyKey);
  // Shippers repeat the same action line: it is parsed once.
  let lastActionText: string | undefined;
  let lastAction: ParsedAction | undefined;
  /** The item whose source line comes next, and whether that line may be an action instead. */
  let awaiting: { item: BulkItem; stored: boolean; optional: boolean } | undefined;
  for await (const batch of lines) {
    const documents: NdjsonLine[] = [];
    for (const line of batch) {
      if (awaiting && !(awaiting.optional && looksLikeAction(line))) {
        if (awaiting.stored) {
          awaiting.item.documentLine = line.lineNumber;
          documents.push(line);
        }
        awaiting = undefined;
        continue;
      }
      awaiting = undefined;
      const item: BulkItem = { action: 'index', index: options.defaultIndex ?? '', id: '' };
      items.push(item);
      const text = 'text' in line ? line.text : undefined;
      const parsed = text !== undefined && text === lastActionText && lastAction ? lastAction : parseAction(line);
      if (text !== undefined && parsed.ok) {
        lastActionText = text;
        lastAction = parsed;
      }
      if (!parsed.ok) {
        item.id = newId(items.length);
        item.error = { type: 'illegal_argument_exception', reason: `Malformed action/metadata line: ${parsed.reason}` };
        awaiting = { item, stored: false, optional: true };
        continue;
      }
      item.action = parsed.action;
      const index = parsed.meta._index;
      if (typeof index === 'string') item.index = index;
      const id = parsed.meta._id;
      item.id = typeof id === 'string' && id !== '' ? id.slice(0, 512) : newId(items.length);
      if (!KNOWN_ACTIONS.has(parsed.action)) {
        item.error = {
          type: 'illegal_argument_exception',
          reason: `Malformed action/metadata line [${line.lineNumber}], expected one of [create, delete, index, update] but found [${parsed.action.slice(0, 40)}]`,
        };
        awaiting = { item, stored: false, optional: true };
        continue;
      }
      if (!STORED_ACTIONS.has(parsed.action)) {
        item.error = {
          type: 'illegal_argument_exception',
          reason: `the [${parsed.action}] action is not supported: lagwatch keeps log documents as sent, use index or create`,
        };
      } else if (item.index === '') {
        item.error = { type: 'action_request_validation_exception', reason: 'Validation Failed: 1: index is missing;' };
      }
      if (ACTIONS_WITH_SOURCE.has(parsed.action))
        awaiting = { item, stored: item.error === undefined, optional: false };
    }
    if (documents.length > 0) yield documents;
  }
  if (awaiting && !awaiting.optional && awaiting.item.error === undefined) {
    awaiting.item.error = {
      type: 'illegal_argument_exception',
      reason: `the [${awaiting.item.action}] action has no document line after it`,
    };
  }
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Ids like Elasticsearch's (20 URL-safe characters): 15 characters per body, random or derived
 * from the Idempotency-Key (a replay answers the same ids), then the item's position in 5.
 */
function idGenerator(idempotencyKey: string | undefined): (position: number) => string {
  const seed = idempotencyKey === undefined ? randomBytes(12) : createHash('sha256').update(idempotencyKey).digest();
  const prefix = seed.subarray(0, 12).toString('base64url').slice(0, 15);
  return (position) => {
    let suffix = '';
    for (let rest = position, digit = 0; digit < 5; digit++, rest = Math.floor(rest / 64))
      suffix = BASE64URL[rest % 64] + suffix;
    return prefix + suffix;
  };
}
