import type { FastifyInstance } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { CHANNEL_TYPES } from '../alerts/channels/registry.js';
import { CHANNEL_TYPE_MARK } from '../rules/schemas.js';

/** One of the registry's channel types, as requests are validated and documented. */
export function channelTypeEnum(types: readonly string[] = CHANNEL_TYPES, description?: string): TSchema {
  return Type.Unsafe<string>(
    Type.Union(
      types.map((type) => Type.Literal(type)),
      { description: description ?? `A channel type: ${types.join(', ')} (GET /channels)` },
    ),
  );
}

/**
 * A copy of `schema` in which every schema marked as a channel type (rules/schemas.ts,
 * CHANNEL_TYPE_MARK) is one of `types`, and an array of them holds at most one of each.
 */
export function withChannelTypes<T>(schema: T, types: readonly string[] = CHANNEL_TYPES): T {
  return replaceMarked(schema, types) as T;
}

function isMarked(node: unknown): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null && (node as Record<string, unknown>)[CHANNEL_TYPE_MARK] === true;
}

function replaceMarked(node: unknown, types: readonly string[]): unknown {
  if (Array.isArray(node)) return node.map((item) => replaceMarked(item, types));
  if (typeof node !== 'object' || node === null) return node;
  if (isMarked(node)) return channelTypeEnum(types, node.description as string | undefined);
  const source = node as Record<string | symbol, unknown>;
  const copy: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(source)) copy[key] = replaceMarked(source[key], types);
  if (isMarked(source.items) && typeof source.maxItems === 'number') copy.maxItems = types.length;
  return copy;
}

/**
 * Every route's request schemas (body, query string, parameters) take the registry's channel
 * types, for validation and for the OpenAPI document alike. Install before the docs and routes.
 */
export function installChannelTypes(app: FastifyInstance, types: readonly string[] = CHANNEL_TYPES): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema) return;
    const next = { ...schema };
    for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
      if (next[part] !== undefined) next[part] = withChannelTypes(next[part], types);
    }
    route.schema = next;
  });
}
