import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An answer a stand-in gives: status, headers, body. */
export interface StandInAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** One request as it reached the stand-in. */
export interface StandInRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP server on 127.0.0.1 that hands each POST to `handle` (the service's rules) unless
 * the test scripted an answer for it first. What each service accepts or refuses is up to the
 * stand-in built on it.
 */
export class HttpStandIn {
  readonly requests: StandInRequest[] = [];
  private readonly scripted: StandInAnswer[] = [];
  private server: Server | undefined;
  private base = '';

  constructor(private readonly handle: (request: StandInRequest) => StandInAnswer) {}

  async start(): Promise<this> {
    const listening = await listenLocally((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(request);
        const answer =
          req.method !== 'POST'
            ? { status: 405, body: 'method not allowed' }
            : (this.scripted.shift() ?? this.handle(request));
        res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      });
    });
    this.server = listening.server;
    this.base = listening.origin;
    return this;
  }

  /** `http://127.0.0.1:<port>` */
  get origin(): string {
    return this.base;
  }

  /** The next requests get these answers (in order), whatever they carry. */
  answerNext(...answers: StandInAnswer[]): void {
    this.scripted.push(...answers);
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

/** A real HTTP server on 127.0.0.1, on a free port. */
export async function listenLocally(listener: RequestListener): Promise<{ server: Server; origin: string }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes a stand-in's server, open connections too. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * What the chat webhook stand-ins (Slack, Teams, Discord) share: an HttpStandIn whose POSTs go
 * to the service's `handle`, and the messages it accepted and refused.
 */
export abstract class WebhookStandIn<Accepted, Refusal> {
  readonly accepted: Accepted[] = [];
  readonly refused: Refusal[] = [];
  readonly http: HttpStandIn;

  constructor() {
    this.http = new HttpStandIn((request) => this.handle(request));
  }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  /** The next requests get these answers (in order), whatever they carry. */
  answerNext(...answers: StandInAnswer[]): void {
    this.http.answerNext(...answers);
  }

  /** A fresh webhook URL the stand-in accepts; `secret` is its secret part. */
  abstract webhook(secret?: string): string;

  /** The service's rules for one POST. */
  protected abstract handle(request: StandInRequest): StandInAnswer;
}

/** Collects what is wrong with a body; the stand-ins refuse it when anything is. */
export class Problems {
  readonly list: string[] = [];
  check(ok: boolean, problem: string): void {
    if (!ok) this.list.push(problem);
  }
  get ok(): boolean {
    return this.list.length === 0;
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys of `value` that `allowed` does not name. */
export function unknownKeys(value: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(value).filter((key) => !allowed.includes(key));
}
