/**
 * The top-level fields of a body its object schema does not know (`additionalProperties:
 * false`), found in one pass, and the body without them. A body of many thousand unknown fields
 * is then refused naming each in linear time, instead of the schema validator producing (and
 * then summarising) errors for each, seconds on the event loop for a 1 MiB body.
 */
export function splitUnknownFields(schema: unknown, value: unknown): { known: unknown; unknown: string[] } {
  const shape = schema as { additionalProperties?: unknown; properties?: Record<string, unknown> } | null;
  if (
    shape === null ||
    typeof shape !== 'object' ||
    shape.additionalProperties !== false ||
    typeof shape.properties !== 'object' ||
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value)
  ) {
    return { known: value, unknown: [] };
  }
  const properties = shape.properties;
  const unknown = Object.keys(value).filter((key) => !Object.hasOwn(properties, key));
  if (unknown.length === 0) return { known: value, unknown };
  const known: Record<string, unknown> = {};
  for (const key of Object.keys(properties)) {
    if (Object.hasOwn(value, key)) known[key] = (value as Record<string, unknown>)[key];
  }
  return { known, unknown };
}
