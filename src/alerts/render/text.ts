/**
 * Plain-text clean-up shared by every template. Log text is untrusted: it may carry control
 * characters, bidirectional overrides (which can make a message read differently from what it
 * says), newlines that would break a one-line layout, or megabytes of stack trace.
 */

// C0/C1 controls and DEL (line breaks and tabs are turned into spaces before this applies).
const CONTROL = /\p{Cc}/gu;
// Bidi embeddings, overrides and isolates, and the implicit marks: removed so log text cannot
// reorder the text around it. Templates isolate log text themselves where it matters.
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAKS = /[\r\n\u2028\u2029\u0085]+/g;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Log text made safe for a one-line slot: no controls, no line breaks, at most `maxChars`. */
export function oneLine(text: string, maxChars: number): string {
  // Bound the work before cleaning: a 10 MB message only needs its head.
  const head = text.length > maxChars * 4 + 16 ? text.slice(0, maxChars * 4 + 16) : text;
  const cleaned = head
    .replace(LINE_BREAKS, ' ')
    .replace(/\t/g, ' ')
    .replace(CONTROL, '')
    .replace(BIDI_CONTROL, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  return truncate(cleaned, maxChars, head.length < text.length);
}

/**
 * Cuts text to at most `maxChars` UTF-16 code units, at a grapheme boundary (never inside a
 * surrogate pair or an emoji sequence), ending with an ellipsis when anything was cut.
 */
export function truncate(text: string, maxChars: number, alreadyCut = false): string {
  if (text.length <= maxChars && !alreadyCut) return text;
  const budget = maxChars - 1; // room for the ellipsis
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    if (index + segment.length > budget) break;
    end = index + segment.length;
  }
  return `${text.slice(0, end).trimEnd()}…`;
}

/** Wraps text in a first-strong isolate, so right-to-left log text cannot reorder its line. */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}
