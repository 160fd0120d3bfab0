import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/**
 * Where a value of a YAML document is: the node at `path` (keys and list indexes), or when the
 * path goes further than the document does (a required field left out) the deepest node on it.
 * `atKey`: the key of the last step rather than its value (an unknown field is its key).
 */
export function positionOf(
  document: Document,
  lines: LineCounter,
  path: readonly (string | number)[],
  options: { atKey?: boolean; within?: string } = {},
): Position {
  let node: unknown = document.contents;
  let offset = document.contents?.range?.[0] ?? 0;
  for (const [step, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const key = pair.key as Node;
      if (step === path.length - 1 && options.atKey) {
        offset = key.range?.[0] ?? offset;
        node = undefined;
        break;
      }
      node = pair.value ?? key;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined || item === null) break;
      node = item;
    } else {
      break;
    }
    offset = (node as Node).range?.[0] ?? offset;
  }
  // A reference inside a string: its own column where the source shows it as written (the
  // document must be parsed with keepSourceTokens).
  if (options.within !== undefined && isScalar(node) && node.range) {
    const source = node.srcToken && 'source' in node.srcToken ? String(node.srcToken.source) : undefined;
    const index = source?.indexOf(options.within) ?? -1;
    if (index >= 0) offset = node.range[0] + index;
  }
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** A dotted field (`burn_alerts.0.short_minutes`) as path steps. */
export function stepsOf(field: string): string[] {
  return field === '' ? [] : field.split('.');
}
