import type { TSchema } from 'typebox';
import type { Problem } from '../../validation/problems.js';
import type { RuleKindModule } from '../kinds/kind.js';
import { RULE_KINDS } from '../kinds/registry.js';
import { countWindowProblems, PER_LOG_DEFAULTS } from '../rule-repository.js';
import { TargetCreate } from '../schemas.js';
import { normalizeWindowRule } from '../window-rule-repository.js';
import { withRegisteredChannels } from './channel-types.js';

/** The names a rule's `kind` may have, in the registry's order. */
export const KIND_NAMES: readonly string[] = RULE_KINDS.map((k) => k.name);

// Built on first use: the channel registry registers its types when it is loaded (channels.ts).
const createSchemas = new Map<string, TSchema>();
let targetSchema: TSchema | undefined;

/** A kind's create body schema as the API checks it (channel types from the registry). */
export function fileCreateSchema(kind: RuleKindModule): TSchema {
  let schema = createSchemas.get(kind.name);
  if (!schema) {
    schema = withRegisteredChannels(kind.createSchema);
    createSchemas.set(kind.name, schema);
  }
  return schema;
}

/** A target's create body schema as the API checks it. */
export function fileTargetSchema(): TSchema {
  targetSchema ??= withRegisteredChannels(TargetCreate);
  return targetSchema;
}

/**
 * A valid create body completed as the store would store it: every field with its value or its
 * default (window kinds: the shared fields and the kind's definition). Two bodies that store the
 * same rule complete alike, so comparing completed bodies is comparing rules.
 */
export function completedRule(kind: RuleKindModule, body: Record<string, unknown>): Record<string, unknown> {
  if (kind.family === 'window') return normalizeWindowRule(kind, body);
  return {
    app_name: body.app_name,
    ...(kind.name === 'message' ? { message_key: body.message_key } : {}),
    max_duration: body.max_duration,
    is_active: body.is_active ?? PER_LOG_DEFAULTS.is_active,
    alert_channels: body.alert_channels,
    cooldown_minutes: body.cooldown_minutes ?? PER_LOG_DEFAULTS.cooldown_minutes,
    min_count: body.min_count ?? PER_LOG_DEFAULTS.min_count,
    window_minutes: body.window_minutes ?? PER_LOG_DEFAULTS.window_minutes,
    notify_resolved: body.notify_resolved ?? PER_LOG_DEFAULTS.notify_resolved,
    resolve_after_minutes: body.resolve_after_minutes ?? PER_LOG_DEFAULTS.resolve_after_minutes,
  };
}

/** A target's create body completed with its default. */
export function completedTarget(body: Record<string, unknown>): Record<string, unknown> {
  return { name: body.name, type: body.type, external_id: body.external_id, is_active: body.is_active ?? true };
}

/** The problems of a schema-valid body that the schema cannot express (cross-field checks). */
export function crossFieldProblems(kind: RuleKindModule, body: Record<string, unknown>): Problem[] {
  if (kind.family === 'window') {
    const rule = { ...body, message_key: body.message_key ?? null, ...kind.definitionOf(body) };
    return kind.check(rule);
  }
  return countWindowProblems({
    min_count: (body.min_count as number | undefined) ?? PER_LOG_DEFAULTS.min_count,
    window_minutes: (body.window_minutes as number | undefined) ?? PER_LOG_DEFAULTS.window_minutes,
  });
}
