import { scrubSecrets } from '../../config/redact.js';
import { retryAfterSecondsToMs } from '../../outbound/retry-after.js';
import { type FetchLike, networkReason } from './fetch-errors.js';

/** Telegram's answer to one Bot API call, or why there was none. */
export type BotApiAnswer =
  | { kind: 'ok'; result: unknown }
  | {
      kind: 'error';
      status: number;
      description: string;
      /** `retry_after`, in ms, capped (MAX_RETRY_AFTER_MS). */
      retryAfterMs?: number;
      migrateToChatId?: string;
    }
  | { kind: 'unreachable'; reason: string };

/**
 * One Bot API call: `POST {base}/bot{token}/{method}` with a JSON body, bounded in time. Never
 * throws for HTTP or network failures (only when `signal` aborts); every text it returns has
 * the token scrubbed.
 */
export async function callBotApi(
  request: { apiBase: string; token: string; fetch: FetchLike; timeoutMs: number },
  method: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<BotApiAnswer> {
  const scrub = (text: string) => scrubSecrets(text, [request.token]);
  const url = `${request.apiBase.replace(/\/+$/, '')}/bot${request.token}/${method}`;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await request.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    text = await response.text();
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) return { kind: 'unreachable', reason: `no answer within ${request.timeoutMs} ms` };
    return { kind: 'unreachable', reason: scrub(networkReason(error)) };
  }

  let parsed: {
    ok?: unknown;
    result?: unknown;
    description?: unknown;
    parameters?: { retry_after?: unknown; migrate_to_chat_id?: unknown };
  };
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'error', status: response.status, description: `HTTP ${response.status} with a non-JSON body` };
  }
  if (response.ok && parsed?.ok === true) return { kind: 'ok', result: parsed.result };
  const retryAfter = parsed?.parameters?.retry_after;
  const migrateTo = parsed?.parameters?.migrate_to_chat_id;
  return {
    kind: 'error',
    status: response.status,
    description: scrub(typeof parsed?.description === 'string' ? parsed.description : `HTTP ${response.status}`),
    retryAfterMs: retryAfterSecondsToMs(retryAfter),
    migrateToChatId: typeof migrateTo === 'number' || typeof migrateTo === 'string' ? String(migrateTo) : undefined,
  };
}
