/**
 * Why API_TOKEN cannot be used, or undefined. The token travels in the Authorization header:
 * a header carries bytes, not text, so a non-ASCII character is sent by one client as UTF-8 and
 * read by another as Latin-1 (browsers refuse to send it at all), and a control character ends or
 * corrupts the header. Either way no client could present the token. The message never holds
 * the token itself.
 */
export function apiTokenProblem(token: string): string | undefined {
  if (/^[\x20-\x7e]+$/.test(token)) return undefined;
  return 'API_TOKEN: must be printable ASCII (letters, digits, punctuation, spaces): it holds a control or non-ASCII character, which no client could send in the Authorization header';
}
