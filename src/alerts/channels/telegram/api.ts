import { scrubSecrets, secretsInUrl } from '../../../config/redact.js';
import { retryAfterSecondsToMs } from '../../../outbound/retry-after.js';
import { type FetchLike, networkReason } from '../fetch-errors.js';

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
 * TELEGRAM_API_BASE without `user:password@` (fetch refuses URLs that carry them), which go as
 * basic auth instead, for a Bot API server or proxy behind one.
 */
function withoutCredentials(apiBase: string): { base: string; authorization?: string; secrets: string[] } {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    return { base: apiBase, secrets: [] };
  }
  const secrets = secretsInUrl(apiBase);
  if (url.username === '' && url.password === '') return { base: apiBase, secrets };
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const user = decode(url.username);
  const password = decode(url.password);
  const encoded = Buffer.from(`${user}:${password}`).toString('base64');
  url.username = '';
  url.password = '';
  return {
    base: url.toString(),
    authorization: `Basic ${encoded}`,
    secrets: [encoded, ...secrets, password].filter((s) => s.length >= 4),
  };
}

/**
 * One Bot API call: `POST {base}/bot{token}/{method}` with a JSON body, bounded in time. Never
 * throws for HTTP or network failures (only when `signal` aborts); every text it returns has
 * the token, the base's credentials and any URL's secrets scrubbed.
 */
export async function callBotApi(
  request: { apiBase: string; token: string; fetch: FetchLike; timeoutMs: number },
  method: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<BotApiAnswer> {
  const { base, authorization, secrets } = withoutCredentials(request.apiBase);
  const scrub = (text: string) => scrubSecrets(text, [request.token, ...secrets]);
  const url = `${base.replace(/\/+$/, '')}/bot${request.token}/${method}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await request.fetch(url, {
      method: 'POST',
      headers,
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
