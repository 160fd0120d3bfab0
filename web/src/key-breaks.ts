/** Separators a path-like key breaks before ("/checkout", ".Service"): they start the next piece. */
const BEFORE = /[/.]/;
/** A run of separators, or a run of anything else. */
const TOKENS = /[/.:_\- ]+|[^/.:_\- ]+/g;
const SEPARATOR_RUN = /^[/.:_\- ]/;

/**
 * A message key cut into the pieces a line may break between, at its separators and never inside a
 * word: "POST /api/v2/order_items" → ["POST ", "/api", "/v2", "/order_", "items"]. In a run of
 * separators, `:`, `_`, `-` and spaces end the piece before, `/` and `.` start the next one
 * ("https:" "//hooks"). Joined, the pieces are the key.
 */
export function keyBreakPieces(key: string): string[] {
  const tokens = key.match(TOKENS) ?? [];
  const pieces: string[] = [];
  let current = '';
  tokens.forEach((token, i) => {
    const last = i === tokens.length - 1;
    if (!SEPARATOR_RUN.test(token) || current === '' || last) {
      current += token;
      return;
    }
    const split = token.search(BEFORE);
    const ending = split === -1 ? token : token.slice(0, split);
    pieces.push(current + ending);
    current = split === -1 ? '' : token.slice(split);
  });
  if (current !== '') pieces.push(current);
  return pieces;
}
