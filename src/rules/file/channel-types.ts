import Type, { type TSchema } from 'typebox';
import { CHANNEL_TYPE_MARK } from '../schemas.js';
import { fileChannels } from './channels.js';

/**
 * A copy of `schema` in which every schema marked as a channel type (CHANNEL_TYPE_MARK) is one
 * of the registered channel types, as the API checks them: a file naming a channel lagwatch does
 * not have is refused the same way.
 */
export function withRegisteredChannels<T extends TSchema>(schema: T): T {
  return replaceMarked(schema) as T;
}

function replaceMarked(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(replaceMarked);
  if (typeof node !== 'object' || node === null) return node;
  const source = node as Record<string | symbol, unknown>;
  if (source[CHANNEL_TYPE_MARK] === true) {
    const types = fileChannels().types;
    const description = source.description as string | undefined;
    return Type.Unsafe<string>(
      Type.Union(
        types.map((type) => Type.Literal(type)),
        { description: description ?? `A channel type: ${types.join(', ')}` },
      ),
    );
  }
  const copy: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(source)) copy[key] = replaceMarked(source[key]);
  return copy;
}
