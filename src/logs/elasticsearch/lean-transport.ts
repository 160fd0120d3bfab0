import http from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/** What an answer carries back to the client: the status, its headers (read by name), the body text. */
export interface LeanAnswer {
  status: number;
  text: string;
  header(name: string): string | null;
}

export interface LeanRequest {
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  timeoutMs: number;
}

/**
 * Small, frequent requests (the probe `start` sends every second) over `node:http`/`node:https`
 * with keep-alive sockets: at one request a second V8 never optimises `fetch`'s JavaScript, and
 * a plain `node:http` request costs about half of its CPU. Failures are shaped like `fetch`'s
 * (a `TimeoutError`, or an error whose `cause` has the socket's `code`), so the client reads both
 * alike. Trusts the same CA as the client's `fetch` dispatcher.
 */
export class LeanTransport {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  private readonly httpsAgent: https.Agent;

  constructor(ca?: Buffer) {
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 2, ...(ca ? { ca } : {}) });
  }

  async send(url: string, request: LeanRequest): Promise<LeanAnswer> {
    try {
      return await this.once(url, request);
    } catch (error) {
      // A kept-alive socket the server closed meanwhile: the request never reached it.
      if ((error as { reusedSocket?: boolean }).reusedSocket) return this.once(url, request);
      throw error;
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private once(url: string, { method, headers, body, timeoutMs }: LeanRequest): Promise<LeanAnswer> {
    const secure = url.startsWith('https:');
    const send = secure ? https.request : http.request;
    const agent = secure ? this.httpsAgent : this.httpAgent;
    const withLength = body === undefined ? headers : { ...headers, 'content-length': String(body.length) };
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      };
      const req = send(url, { method, headers: withLength, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => fail(networkError(error, false)));
        res.on('aborted', () => fail(networkError(new Error('answer cut short'), false)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          let text: string;
          try {
            text = decode(Buffer.concat(chunks), res.headers['content-encoding']);
          } catch (error) {
            reject(networkError(error as Error, false));
            return;
          }
          const raw = res.headers;
          resolve({
            status: res.statusCode ?? 0,
            text,
            header: (name) => {
              const value = raw[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            },
          });
        });
      });
      const timer = setTimeout(() => {
        fail(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
        req.destroy();
      }, timeoutMs);
      req.on('error', (error) => fail(networkError(error, req.reusedSocket && !settled)));
      req.end(body);
    });
  }
}

function decode(bytes: Buffer, encoding: string | undefined): string {
  switch (encoding) {
    case undefined:
    case 'identity':
      return bytes.toString('utf8');
    case 'gzip':
      return gunzipSync(bytes).toString('utf8');
    case 'deflate':
      return inflateSync(bytes).toString('utf8');
    case 'br':
      return brotliDecompressSync(bytes).toString('utf8');
    default:
      throw new Error(`unknown content-encoding ${encoding}`);
  }
}

/** Like `fetch`'s failures: `TypeError('fetch failed')` with the socket error as its cause. */
function networkError(cause: Error, reusedSocket: boolean): Error {
  const error = new TypeError('request failed', { cause }) as TypeError & { reusedSocket?: boolean };
  // Only a reset before any answer on a reused socket is worth one more try.
  error.reusedSocket = reusedSocket && (cause as { code?: string }).code === 'ECONNRESET';
  return error;
}
