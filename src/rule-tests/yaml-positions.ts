import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/** A line and column in a file, both from 1. */
export interface Position {
  line: number;
  column: number;
}

/** Something wrong with a file, where it is, and the field it is about (a dotted path). */
export interface FileProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

export type PathSegment = string | number;

/** A dotted field (`tests.0.logs.2.at`) as path segments (numbers for list items). */
export function segmentsOf(field: string): PathSegment[] {
  if (field === '') return [];
  return field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * Where the node at `path` starts in a parsed YAML document: the value, or with `key` the key
 * of its pair (an unknown field is pointed at by its name). A path that leads nowhere (a missing
 * field) points at the deepest node that exists on the way.
 */
export function positionOf(
  doc: Document,
  lines: LineCounter,
  path: readonly PathSegment[],
  options: { key?: boolean } = {},
): Position {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
      if (!pair) break;
      if (last && options.key) {
        offset = rangeStart(pair.key) ?? offset;
        break;
      }
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else break;
    const start = rangeStart(node);
    if (start === undefined) break;
    offset = start;
  }
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

function rangeStart(node: unknown): number | undefined {
  return node !== null && typeof node === 'object' && 'range' in node
    ? ((node as Node).range?.[0] ?? undefined)
    : undefined;
}
