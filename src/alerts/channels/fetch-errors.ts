export type FetchLike = typeof fetch;

/** "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9" rather than undici's bare "fetch failed". */
export function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return error.message;
}
