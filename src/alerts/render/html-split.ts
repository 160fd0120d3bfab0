/**
 * Splitting and cutting of HTML whose tags never span lines (what the templates produce), so
 * that no part is cut inside a tag or an entity and every part has its tags balanced.
 */

export const TELEGRAM_MESSAGE_LIMIT = 4096;

const ELLIPSIS = '…';

interface Token {
  text: string;
  /** Set for a start tag: its name; for an end tag: `/name`. */
  tag?: string;
}

// A tag, an entity, a surrogate pair, or any other single code unit.
const TOKEN =
  /<\/?([a-zA-Z][a-zA-Z0-9-]*)[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g;

function tokenize(html: string): Token[] {
  const tokens: Token[] = [];
  for (const match of html.matchAll(TOKEN)) {
    const text = match[0];
    if (match[1] !== undefined) tokens.push({ text, tag: text.startsWith('</') ? `/${match[1]}` : match[1] });
    else tokens.push({ text });
  }
  return tokens;
}

/**
 * Cuts one line of balanced HTML to at most `limit` characters, at a point between tags,
 * entities and characters, closing the tags still open and marking the cut with an ellipsis.
 */
export function cutHtmlLine(html: string, limit: number): string {
  if (html.length <= limit) return html;
  const open: string[] = [];
  let out = '';
  let best = ELLIPSIS;
  for (const token of tokenize(html)) {
    if (token.tag?.startsWith('/')) open.pop();
    else if (token.tag) open.push(token.tag);
    const candidate = out + token.text;
    const closing = open
      .slice()
      .reverse()
      .map((name) => `</${name}>`)
      .join('');
    const withEnd = `${candidate}${ELLIPSIS}${closing}`;
    if (withEnd.length > limit) break;
    out = candidate;
    best = withEnd;
  }
  return best;
}

/**
 * Packs lines into parts of at most `limit` characters, breaking only between lines. A line
 * longer than the limit is cut with an ellipsis. Blank lines at the edges of a part are
 * dropped (Telegram refuses an empty text). Parts after the first are marked "(k/n)".
 */
export function splitHtmlLines(lines: readonly string[], limit: number = TELEGRAM_MESSAGE_LIMIT): string[] {
  const marker = (k: number, n: number) => `<i>(${k}/${n})</i>`;
  const budget = limit - marker(999, 999).length - 1;
  const parts: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const raw of lines) {
    const line = cutHtmlLine(raw, budget);
    const added = current.length === 0 ? line.length : line.length + 1;
    if (current.length > 0 && size + added > budget) {
      parts.push(current);
      current = [];
      size = 0;
    }
    if (current.length === 0 && line.trim() === '') continue;
    size += current.length === 0 ? line.length : line.length + 1;
    current.push(line);
  }
  if (current.length > 0) parts.push(current);

  const texts = parts.map(trimBlankLines).filter((part) => part.length > 0);
  if (texts.length <= 1) return texts.map((part) => part.join('\n'));
  return texts.map((part, i) => (i === 0 ? part : [marker(i + 1, texts.length), ...part]).join('\n'));
}

function trimBlankLines(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start++;
  while (end > start && lines[end - 1]!.trim() === '') end--;
  return lines.slice(start, end);
}
