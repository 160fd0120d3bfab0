/** A step of a path into a test file: a key, or a list index. */
export type PathSegment = string | number;

/** A dotted field (`tests.0.logs.2.at`) as path segments (numbers for list items). */
export function segmentsOf(field: string): PathSegment[] {
  if (field === '') return [];
  return field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}
