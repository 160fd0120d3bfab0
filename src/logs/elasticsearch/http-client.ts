import { setTimeout as sleep } from 'node:timers/promises';
import { isSecretParameter, maskUrl, scrubSecrets } from '../../config/redact.js';
import type { Logger } from '../../logging/logger.js';
import { parseRetryAfter } from '../../outbound/retry-after.js';
import { assertComplete, describeErrorBody, ElasticsearchError } from './errors.js';
import { type LeanAnswer, LeanTransport } from './lean-transport.js';
import { dispatcherTrusting, type FetchDispatcher, readCa } from './tls.js';

export interface EsClientOptions {
  /** One or more base URLs; credentials inside a URL are used as basic auth and never printed. */
  hosts: string[];
  username?: string | undefined;
  password?: string | undefined;
  /** `id:key`, or the base64 `encoded` form Elasticsearch returns. */
  apiKey?: string | undefined;
  caFile?: string | undefined;
  requestTimeoutMs: number;
  /** Further attempts after the first one (default 3). */
  maxRetries?: number;
  /** First backoff delay; it doubles per attempt (default 200 ms, at most `backoffMaxMs`, default 5 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** No retry starts later than this after a request's first attempt (default 60 s). */
  retryBudgetMs?: number;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';

export interface EsRequest {
  method: Method;
  /** Path with a leading slash; index names already encoded (see `encodeTarget`). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /**
   * Whether the request may be sent again when its answer is lost (timeout, connection reset,
   * 5xx). Searches are; a scroll continuation is not (the server may have moved on), so it is
   * retried only when the server refused it outright (429, 503, connection refused).
   */
  idempotent?: boolean;
  /** Statuses answered to the caller instead of thrown (e.g. 404 on a missing index). */
  acceptStatuses?: number[];
  /** Overrides for one request (health checks answer fast rather than patiently). */
  maxRetries?: number;
  timeoutMs?: number;
  /**
   * A search whose 2xx answer must be complete: failed shards or `timed_out: true` make it a
   * failed read (retried like a 5xx when idempotent), named by this text in the error.
   */
  complete?: string;
  /** Frees what an answer refused as incomplete opened (its scroll), before it is asked again. */
  releaseIncomplete?: (body: unknown) => Promise<void>;
  /**
   * A small request sent often (the probe): over `node:http` keep-alive (see LeanTransport) rather
   * than `fetch`, and with an uncompressed answer (for a small one, decompressing costs more CPU
   * than it saves).
   */
  small?: boolean;
}

export interface EsResponse<T> {
  status: number;
  body: T;
  headers: Pick<Headers, 'get'>;
}

interface Host {
  /** Base URL without credentials and without a trailing slash. */
  base: string;
  /** What messages show: the base URL, secret query values masked. */
  label: string;
}

const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The one HTTP client of the Elasticsearch adapter: plain `application/json` over Node's `fetch`
 * (accepted by every Elasticsearch 7.x–9.x and OpenSearch; small requests over `node:http`, see
 * LeanTransport), basic or API key auth, an optional CA, failover across hosts, a timeout per
 * attempt and retries with exponential backoff.
 */
export class EsHttpClient {
  private current = 0;

  private constructor(
    private readonly hosts: Host[],
    private readonly authorization: string | undefined,
    private readonly secrets: string[],
    private readonly dispatcher: FetchDispatcher | undefined,
    private readonly lean: LeanTransport,
    private readonly options: Required<
      Pick<EsClientOptions, 'requestTimeoutMs' | 'maxRetries' | 'backoffBaseMs' | 'backoffMaxMs' | 'retryBudgetMs'>
    >,
    private readonly logger: Logger | undefined,
  ) {}

  static async create(options: EsClientOptions, logger?: Logger): Promise<EsHttpClient> {
    if (options.hosts.length === 0) throw new Error('ELASTICSEARCH_HOST: no host configured');
    const secrets: string[] = [];
    let urlUser: string | undefined;
    let urlPassword: string | undefined;
    const hosts = options.hosts.map((raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new Error(`ELASTICSEARCH_HOST: "${raw.replace(/\/\/[^/@\s]*@/, '//***@')}" is not a valid URL`);
      }
      if (url.username || url.password) {
        urlUser = decodeURIComponent(url.username);
        urlPassword = decodeURIComponent(url.password);
        if (url.password) secrets.push(url.password, urlPassword);
        url.username = '';
        url.password = '';
      }
      const base = url.toString().replace(/\/+$/, '');
      for (const [name, value] of url.searchParams) if (isSecretParameter(name)) secrets.push(value);
      return { base, label: maskUrl(base) };
    });
    let authorization: string | undefined;
    if (options.apiKey) {
      const encoded = options.apiKey.includes(':') ? Buffer.from(options.apiKey).toString('base64') : options.apiKey;
      authorization = `ApiKey ${encoded}`;
      secrets.push(options.apiKey, encoded);
    } else {
      const user = options.username ?? urlUser;
      const password = options.password ?? urlPassword;
      if (user !== undefined && user !== '') {
        const encoded = Buffer.from(`${user}:${password ?? ''}`).toString('base64');
        authorization = `Basic ${encoded}`;
        secrets.push(encoded);
        if (password) secrets.push(password);
      }
    }
    const ca = options.caFile ? readCa(options.caFile) : undefined;
    const dispatcher = ca ? await dispatcherTrusting(ca) : undefined;
    return new EsHttpClient(
      hosts,
      authorization,
      secrets.filter((s) => s.length > 0),
      dispatcher,
      new LeanTransport(ca),
      {
        requestTimeoutMs: options.requestTimeoutMs,
        maxRetries: options.maxRetries ?? 3,
        backoffBaseMs: options.backoffBaseMs ?? 200,
        backoffMaxMs: options.backoffMaxMs ?? 5000,
        retryBudgetMs: options.retryBudgetMs ?? 60_000,
      },
      logger,
    );
  }

  /** Host URLs as they may be printed. */
  get hostLabels(): string[] {
    return this.hosts.map((h) => h.label);
  }

  /** Removes every credential from free text. */
  scrub(text: string): string {
    return scrubSecrets(text, this.secrets);
  }

  async request<T = unknown>(req: EsRequest): Promise<EsResponse<T>> {
    const idempotent = req.idempotent ?? true;
    const attempts = (req.maxRetries ?? this.options.maxRetries) + 1;
    const started = Date.now();
    let lastError: ElasticsearchError | undefined;
    let attempt = 0;
    for (; attempt < attempts; attempt++) {
      const host = this.hosts[this.current % this.hosts.length]!;
      const outcome = await this.attempt<T>(host, req);
      if (outcome.kind === 'response') return outcome.response;
      lastError = outcome.error;
      const retryable = idempotent ? outcome.retryable : outcome.refused;
      if (!retryable || attempt === attempts - 1) break;
      if (outcome.switchHost) this.current = (this.current + 1) % this.hosts.length;
      const delay = this.backoff(attempt, outcome.retryAfterMs);
      // Bounded in time as well as in count: a scan must fail (and say so) rather than hang.
      if (Date.now() + delay - started > this.options.retryBudgetMs) break;
      this.logger?.warn(
        { host: host.label, path: req.path, status: outcome.error.status, attempt: attempt + 1, delayMs: delay },
        `Elasticsearch request failed, retrying: ${outcome.error.message}`,
      );
      await sleep(delay);
    }
    if (attempt === 0) throw lastError!;
    const { status, type, reason, message } = lastError!;
    const tries = `${attempt + 1} attempts in ${Date.now() - started} ms`;
    throw new ElasticsearchError(`${message} (gave up after ${tries})`, status, type, reason);
  }

  async close(): Promise<void> {
    this.lean.close();
    await this.dispatcher?.close();
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const exponential = this.options.backoffBaseMs * 2 ** attempt;
    const jittered = exponential / 2 + Math.random() * (exponential / 2);
    return Math.min(this.options.backoffMaxMs, Math.max(jittered, retryAfterMs ?? 0));
  }

  private async attempt<T>(
    host: Host,
    req: EsRequest,
  ): Promise<
    | { kind: 'response'; response: EsResponse<T> }
    | {
        kind: 'error';
        error: ElasticsearchError;
        retryable: boolean;
        refused: boolean;
        switchHost: boolean;
        retryAfterMs?: number;
      }
  > {
    const url = host.base + req.path + queryString(req.query);
    const timeoutMs = req.timeoutMs ?? this.options.requestTimeoutMs;
    const where = `${req.method} ${req.path} on ${host.label}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (req.small) headers['accept-encoding'] = 'identity';
    if (this.authorization) headers.authorization = this.authorization;
    // Bytes rather than a string: fetch then skips wrapping the body in a stream (about a third
    // less CPU per request; `start` probes every second).
    const bytes = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    let response: { status: number; headers: Pick<Headers, 'get'> };
    let text: string;
    try {
      if (req.small) {
        const answer: LeanAnswer = await this.lean.send(url, { method: req.method, headers, body: bytes, timeoutMs });
        response = { status: answer.status, headers: { get: answer.header } };
        text = answer.text;
      } else {
        const init: RequestInit = { method: req.method, headers, body: bytes, signal: AbortSignal.timeout(timeoutMs) };
        // Node's fetch takes an undici dispatcher through this non-standard option.
        if (this.dispatcher) (init as { dispatcher?: unknown }).dispatcher = this.dispatcher;
        const fetched = await fetch(url, init);
        text = await fetched.text();
        response = fetched;
      }
    } catch (error) {
      const { message, refused, permanent } = describeFetchError(error, timeoutMs);
      return {
        kind: 'error',
        error: new ElasticsearchError(this.scrub(`${where}: ${message}`), undefined, undefined, undefined),
        retryable: !permanent,
        refused: refused && !permanent,
        switchHost: true,
      };
    }
    let body: unknown = text;
    let json = text === '';
    if (text !== '') {
      try {
        body = JSON.parse(text);
        json = true;
      } catch {
        // Proxies answer HTML or plain text; keep the text for the message.
      }
    }
    const ok = response.status >= 200 && response.status < 300;
    if (ok && !json && req.method !== 'HEAD') {
      // A body cut short (or replaced by a proxy) must not read as "no hits".
      return lostAnswer(this.scrub(`${where}: HTTP ${response.status} answer is not valid JSON (cut short?)`));
    }
    if (ok && req.complete !== undefined) {
      try {
        assertComplete(body, `${where}: ${req.complete}`);
      } catch (error) {
        await req.releaseIncomplete?.(body);
        return {
          kind: 'error',
          error: error as ElasticsearchError,
          retryable: true,
          refused: false,
          switchHost: false,
        };
      }
    }
    if (ok || req.acceptStatuses?.includes(response.status)) {
      return { kind: 'response', response: { status: response.status, body: body as T, headers: response.headers } };
    }
    const { type, reason } = describeErrorBody(body);
    const detail =
      type || reason ? `${type ?? 'error'}: ${reason ?? ''}` : typeof body === 'string' ? body.slice(0, 200) : '';
    const message = this.scrub(`${where}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`.trim());
    const status = response.status;
    return {
      kind: 'error',
      error: new ElasticsearchError(message, status, type, reason === undefined ? undefined : this.scrub(reason)),
      retryable: status === 429 || status >= 500,
      refused: status === 429 || status === 503,
      switchHost: status === 502 || status === 503 || status === 504,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
    };
  }
}

function lostAnswer(message: string) {
  const error = new ElasticsearchError(message, undefined, 'invalid_answer', undefined);
  return { kind: 'error' as const, error, retryable: true, refused: false, switchHost: true };
}

function queryString(query: EsRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * Node's codes for a server certificate it will not trust (OpenSSL's verify errors and the host
 * name check). Trying again cannot change the answer, so they are not retried.
 */
const UNTRUSTED_CERTIFICATE =
  /^(CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED)/;

function describeFetchError(
  error: unknown,
  timeoutMs: number,
): { message: string; refused: boolean; permanent: boolean } {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return { message: `no answer within ${timeoutMs} ms`, refused: false, permanent: false };
  }
  const code = err.cause?.code;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return {
      message: `TLS verification failed (${code}): the certificate does not name this host; use the name it was issued for in ELASTICSEARCH_HOST`,
      refused: false,
      permanent: true,
    };
  }
  if (code && UNTRUSTED_CERTIFICATE.test(code)) {
    return {
      message: `TLS verification failed (${code}): the cluster's certificate is not signed by a trusted CA; set ELASTICSEARCH_CA_FILE to the CA's PEM file`,
      refused: false,
      permanent: true,
    };
  }
  if (code) return { message: `connection failed (${code})`, refused: REFUSED_CODES.has(code), permanent: false };
  return {
    message: `request failed (${err.cause?.message ?? err.message ?? String(error)})`,
    refused: false,
    permanent: false,
  };
}

/** Encodes an index list or pattern list (`logs-*,other`) for a URL path. */
export function encodeTarget(patterns: string[]): string {
  return patterns.map((p) => encodeURIComponent(p).replace(/%2A/g, '*')).join(',');
}
