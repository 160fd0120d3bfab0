import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What the proxy can do to one request:
 * - `failed-shards`, `timed-out`: the real answer, rewritten as a partial one (hits dropped);
 * - `rejected-429`, `unavailable-503`: refused without reaching the server, with the real error bodies;
 * - `cut`: the real answer's headers and half its body, then the connection is destroyed;
 * - `truncated`: half the real body as a complete answer (not valid JSON);
 * - `reset`: the request reaches the server, its answer is lost (connection destroyed);
 * - `stall`: no answer at all until the client gives up.
 */
export type FaultKind =
  | 'failed-shards'
  | 'timed-out'
  | 'rejected-429'
  | 'unavailable-503'
  | 'cut'
  | 'truncated'
  | 'reset'
  | 'stall';

export const FAULT_KINDS: readonly FaultKind[] = [
  'failed-shards',
  'timed-out',
  'rejected-429',
  'unavailable-503',
  'cut',
  'truncated',
  'reset',
  'stall',
];

export interface FaultMatch {
  /** Tested against the request's path without its query (`/logs-*\/_search`, `/_search/scroll`). */
  path?: RegExp;
  method?: string;
  /** Leaves this many matching requests alone first (a fault on the fourth scroll page: 3). */
  after?: number;
}

interface Fault extends FaultMatch {
  kind: FaultKind;
  remaining: number;
  retryAfterSeconds?: number;
}

interface Restart extends FaultMatch {
  downMs: number;
}

/** One request the proxy saw, and what it did to it. */
export interface ProxiedRequest {
  method: string;
  path: string;
  fault?: FaultKind | 'restart';
}

type Context = { kind: 'scroll' | 'es-pit' | 'os-pit'; id: string };

const REJECTED = {
  error: {
    root_cause: [
      {
        type: 'es_rejected_execution_exception',
        reason:
          'rejected execution of TimedRunnable{original=ActionRunnable#wrap[org.opensearch.search.SearchService$2], failureCount=0} on QueueResizingOpenSearchThreadPoolExecutor[name = node-1/search, queue capacity = 1000]',
      },
    ],
    type: 'es_rejected_execution_exception',
    reason:
      'rejected execution of TimedRunnable{original=ActionRunnable#wrap[org.opensearch.search.SearchService$2], failureCount=0} on QueueResizingOpenSearchThreadPoolExecutor[name = node-1/search, queue capacity = 1000]',
  },
  status: 429,
};

const UNAVAILABLE = {
  error: {
    root_cause: [
      {
        type: 'cluster_block_exception',
        reason: 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];',
      },
    ],
    type: 'cluster_block_exception',
    reason: 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];',
  },
  status: 503,
};

/**
 * A real HTTP proxy in front of a real search server that breaks chosen requests the way a
 * cluster, a network or a load balancer does (see FaultKind), and can act out a node restart:
 * connections refused for a while, then every scroll and point in time opened through it is gone
 * (deleted through the server's own API, so the next use gets the server's own 404).
 */
export class FaultProxy {
  /** Every request in arrival order. */
  readonly requests: ProxiedRequest[] = [];
  private faults: Fault[] = [];
  private restart: Restart | undefined;
  private readonly contexts = new Map<string, Context>();
  /** Contexts opened by answers the client never got: freed at close. */
  private readonly withheld = new Map<string, Context>();
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private downUntil = 0;
  private restarting: Promise<void> | undefined;

  private constructor(
    private readonly upstream: URL,
    private server: ReturnType<typeof createServer>,
    readonly port: number,
  ) {}

  static async start(upstream: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(upstream), createServer(), 0);
    const port = await proxy.listen(0);
    (proxy as { port: number }).port = port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next `count` requests matching `match` suffer `kind`. */
  inject(kind: FaultKind, match: FaultMatch = {}, count = 1, options: { retryAfterSeconds?: number } = {}): void {
    this.faults.push({ kind, remaining: count, ...match, ...options });
  }

  /** After the next answer matching `match` is delivered, the node restarts (see the class). */
  restartNodeAfter(match: FaultMatch, downMs: number): void {
    this.restart = { ...match, downMs };
  }

  /** Faults injected but not yet used. */
  get unused(): number {
    return this.faults.reduce((n, f) => n + f.remaining, 0) + (this.restart ? 1 : 0);
  }

  /** How many requests suffered `kind`. */
  applied(kind: FaultKind | 'restart'): number {
    return this.requests.filter((r) => r.fault === kind).length;
  }

  /** Drops faults not yet used and waits for a restart under way. */
  async clear(): Promise<void> {
    this.faults = [];
    this.restart = undefined;
    await this.restarting;
  }

  async close(): Promise<void> {
    await this.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.release([...this.withheld.values()]);
    this.agent.destroy();
  }

  private listen(port: number): Promise<number> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: ${(error as Error).message}`);
      });
    });
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  private take(method: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && matches(f, method, path));
    if (!fault) return undefined;
    if (fault.after) {
      fault.after--;
      return undefined;
    }
    fault.remaining--;
    return fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const fault = this.take(method, path);
    this.requests.push({ method, path, ...(fault ? { fault: fault.kind } : {}) });
    if (fault?.kind === 'stall') {
      // Held until the client gives up (its socket closes) or the proxy closes.
      return;
    }
    if (fault?.kind === 'rejected-429' || fault?.kind === 'unavailable-503') {
      const answer = fault.kind === 'rejected-429' ? REJECTED : UNAVAILABLE;
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      res.writeHead(answer.status, headers).end(JSON.stringify(answer));
      return;
    }
    const upstream = await this.forward(method, req.url ?? '/', req.headers, body);
    const contexts = this.track(method, path, body, upstream.body);
    if (fault?.kind === 'reset' || fault?.kind === 'cut' || fault?.kind === 'truncated') {
      for (const c of contexts) this.withheld.set(c.id, c);
    }
    if (fault?.kind === 'reset' || fault?.kind === 'cut') {
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(upstream.status, { ...upstream.headers, 'content-length': String(upstream.body.length) });
      res.write(upstream.body.subarray(0, Math.floor(upstream.body.length / 2)));
      // Let the half reach the client before the connection dies.
      await new Promise((resolve) => setTimeout(resolve, 20));
      req.socket.destroy();
      return;
    }
    let out = upstream.body;
    if (fault?.kind === 'truncated') out = out.subarray(0, Math.floor(out.length / 2));
    if (fault?.kind === 'failed-shards' || fault?.kind === 'timed-out') out = partial(out, fault.kind);
    res.writeHead(upstream.status, { ...upstream.headers, 'content-length': String(out.length) });
    res.end(out);
    if (this.restart && matches(this.restart, method, path) && this.restart.after) this.restart.after--;
    else if (this.restart && matches(this.restart, method, path)) {
      const { downMs } = this.restart;
      this.restart = undefined;
      this.requests.push({ method, path, fault: 'restart' });
      res.once('finish', () => {
        this.restarting = this.restartNode(downMs);
      });
    }
  }

  private forward(
    method: string,
    url: string,
    incoming: IncomingMessage['headers'],
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'accept', 'authorization']) {
      const value = incoming[name];
      if (typeof value === 'string') headers[name] = value;
    }
    headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method,
          path: url,
          headers,
          agent: this.agent,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('error', reject);
          answer.on('end', () => {
            const kept: Record<string, string> = {};
            for (const name of ['content-type', 'x-elastic-product', 'warning']) {
              const value = answer.headers[name];
              if (typeof value === 'string') kept[name] = value;
            }
            resolve({ status: answer.statusCode ?? 502, headers: kept, body: Buffer.concat(chunks) });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  /** Remembers the scrolls and points in time the server's answers opened (closed ones are forgotten). */
  private track(method: string, path: string, sent: Buffer, answer: Buffer): Context[] {
    if (method === 'DELETE') {
      for (const id of idsIn(sent)) {
        this.contexts.delete(id);
        this.withheld.delete(id);
      }
      return [];
    }
    let json: { _scroll_id?: unknown; pit_id?: unknown; id?: unknown };
    try {
      json = JSON.parse(answer.toString('utf8'));
    } catch {
      return [];
    }
    const found: Context[] = [];
    if (typeof json._scroll_id === 'string') found.push({ kind: 'scroll', id: json._scroll_id });
    if (typeof json.pit_id === 'string' && path.endsWith('/point_in_time')) {
      found.push({ kind: 'os-pit', id: json.pit_id });
    } else if (typeof json.pit_id === 'string') found.push({ kind: 'es-pit', id: json.pit_id });
    if (typeof json.id === 'string' && path.endsWith('/_pit')) found.push({ kind: 'es-pit', id: json.id });
    for (const c of found) this.contexts.set(c.id, c);
    return found;
  }

  /** Refuses connections for `downMs`, and every context opened so far is lost, as on a restarted node. */
  private async restartNode(downMs: number): Promise<void> {
    this.downUntil = Date.now() + downMs;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    await this.release([...this.contexts.values()]);
    this.contexts.clear();
    await sleep(Math.max(0, this.downUntil - Date.now()));
    await this.listen(this.port);
  }

  /** Frees contexts through the server's own API (unknown ids answer 404 and are ignored). */
  private async release(contexts: Context[]): Promise<void> {
    const byKind = (kind: Context['kind']) => contexts.filter((c) => c.kind === kind).map((c) => c.id);
    const calls: [string, object][] = [];
    if (byKind('scroll').length > 0) calls.push(['/_search/scroll', { scroll_id: byKind('scroll') }]);
    for (const id of byKind('es-pit')) calls.push(['/_pit', { id }]);
    if (byKind('os-pit').length > 0) calls.push(['/_search/point_in_time', { pit_id: byKind('os-pit') }]);
    for (const [path, body] of calls) {
      await this.forward('DELETE', path, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body)));
    }
  }
}

/** The context ids a DELETE names (`scroll_id`, `id`, `pit_id`; one or a list). */
function idsIn(body: Buffer): string[] {
  try {
    const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    return [json.scroll_id, json.id, json.pit_id].flat().filter((id): id is string => typeof id === 'string');
  } catch {
    return [];
  }
}

function matches(match: FaultMatch, method: string, path: string): boolean {
  return (!match.path || match.path.test(path)) && (!match.method || match.method === method);
}

/** The real answer as a partial one: one shard failed (or the search timed out) and its hits are missing. */
function partial(body: Buffer, kind: 'failed-shards' | 'timed-out'): Buffer {
  const json = JSON.parse(body.toString('utf8')) as {
    timed_out?: boolean;
    _shards?: { total?: number; successful?: number; failed?: number; failures?: unknown[] };
    hits?: { hits?: unknown[] };
  };
  if (kind === 'timed-out') json.timed_out = true;
  else {
    const total = json._shards?.total ?? 1;
    json._shards = {
      ...json._shards,
      total,
      successful: Math.max(0, total - 1),
      failed: 1,
      failures: [
        {
          shard: 0,
          index: 'unknown',
          node: 'node-2',
          reason: { type: 'node_disconnected_exception', reason: '[node-2][127.0.0.1:9300] disconnected' },
        },
      ],
    };
  }
  if (json.hits?.hits) json.hits.hits = json.hits.hits.slice(0, Math.floor(json.hits.hits.length / 2));
  return Buffer.from(JSON.stringify(json));
}
