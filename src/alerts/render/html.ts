/** Escaping for HTML text and attribute values (Telegram's HTML mode and email HTML alike). */

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = { ...TEXT_ESCAPES, '"': '&quot;' };

/** Escapes `&`, `<` and `>`: the only named entities Telegram knows besides `&quot;`. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (ch) => TEXT_ESCAPES[ch]!);
}

/** Escapes a value for a double-quoted attribute. */
export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => ATTRIBUTE_ESCAPES[ch]!);
}
