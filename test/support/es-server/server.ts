import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, type ClusterStats, emptyStats } from './cluster.js';
import type { Mapping, StoredDoc } from './documents.js';
import { badRequest, EsServerError } from './errors.js';
import type { Persona } from './personas.js';

export interface EsTestServerOptions {
  persona: Persona;
  /** Required credentials: basic auth, or an API key (the base64 `encoded` form of `id:key`). */
  auth?: { username: string; password: string } | { apiKey: string };
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
  /** Listen on this port instead of a free one (to bring back a cluster that "was down"). */
  port?: number;
  /**
   * The user holds only what a log reader needs: index `read` and `view_index_metadata` on the
   * log indices, no cluster privilege. Cluster actions (`GET /`, `_cluster`, `_cat`, `_nodes`)
   * answer 403 as the distribution's security layer words it.
   */
  readOnlyUser?: string;
}

/** The cluster action behind a path that a user without cluster privileges may not call. */
function clusterAction(method: string, path: string): string | undefined {
  if (path === '/' && (method === 'GET' || method === 'HEAD')) return 'cluster:monitor/main';
  if (path.startsWith('/_cluster/health')) return 'cluster:monitor/health';
  if (path.startsWith('/_cluster/')) return 'cluster:monitor/state';
  if (path.startsWith('/_nodes')) return 'cluster:monitor/nodes/stats';
  if (path.startsWith('/_cat/indices')) return 'indices:monitor/stats';
  return undefined;
}

type Fault =
  | { kind: 'status'; status: number; remaining: number; path?: RegExp; method?: string }
  | { kind: 'delay'; ms: number; remaining: number; path?: RegExp }
  | { kind: 'drop'; remaining: number; path?: RegExp }
  /** A careless proxy that prints the request's Authorization header in its error page. */
  | { kind: 'echo-auth'; remaining: number; path?: RegExp }
  /** 200 with one of two shards failed (Elasticsearch's partial results). */
  | { kind: 'partial'; remaining: number; path?: RegExp };

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
}

type Body = Record<string, unknown>;

/**
 * A real HTTP server that answers as one Elasticsearch or OpenSearch version does (see personas.ts),
 * over documents held in memory. Listens on 127.0.0.1, on a free port unless told one.
 */
export class EsTestServer {
  readonly cluster: Cluster;
  readonly requests: RecordedRequest[] = [];
  private faults: Fault[] = [];
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: EsTestServerOptions,
    cluster: Cluster,
  ) {
    this.cluster = cluster;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: EsTestServerOptions): Promise<EsTestServer> {
    const cluster = new Cluster(options.persona);
    let instance: EsTestServer | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      instance!.handle(req, res).catch((error) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'exception', reason: String(error) }, status: 500 }));
        }
      });
    };
    const server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = new EsTestServer(server, `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, options, cluster);
    return instance;
  }

  get persona(): Persona {
    return this.options.persona;
  }

  get stats(): ClusterStats {
    return this.cluster.stats;
  }

  resetStats(): void {
    this.cluster.stats = emptyStats();
    this.requests.length = 0;
  }

  createIndex(name: string, mapping?: Mapping): void {
    this.cluster.createIndex(name, mapping);
  }

  addDocuments(index: string, sources: Record<string, unknown>[]): StoredDoc[] {
    return sources.map((source) => this.cluster.addDocument(index, source));
  }

  /** The next `count` requests (matching `path`, when given) answer `status` with an Elasticsearch error body. */
  failNext(count: number, status = 503, path?: RegExp, method?: string): void {
    this.faults.push({ kind: 'status', status, remaining: count, path, method });
  }

  delayNext(count: number, ms: number, path?: RegExp): void {
    this.faults.push({ kind: 'delay', ms, remaining: count, path });
  }

  /** The next `count` requests lose their connection without an answer. */
  dropNext(count: number, path?: RegExp): void {
    this.faults.push({ kind: 'drop', remaining: count, path });
  }

  /** The next `count` matching searches answer 200 with partial results: one of two shards failed. */
  failShardsNext(count: number, path?: RegExp): void {
    this.faults.push({ kind: 'partial', remaining: count, path });
  }

  echoAuthorizationNext(count: number, path?: RegExp): void {
    this.faults.push({ kind: 'echo-auth', remaining: count, path });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.search });

    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (!f.path || f.path.test(url.pathname)) &&
        (!('method' in f) || f.method === undefined || f.method === method),
    );
    if (fault) {
      fault.remaining--;
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'delay') await sleep(fault.ms);
      if (fault.kind === 'echo-auth') {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`Bad Gateway: upstream refused request with Authorization: ${req.headers.authorization ?? '(none)'}`);
        return;
      }
      if (fault.kind === 'status') {
        this.send(res, faultError(fault.status).status, faultError(fault.status).toBody(), req);
        return;
      }
    }

    try {
      this.checkAuth(req, url.pathname);
      this.checkPrivileges(method, url.pathname);
      const vendor = this.checkMediaTypes(req);
      let body: Body | undefined;
      if (raw.trim() !== '' && !url.pathname.endsWith('_bulk')) {
        try {
          body = JSON.parse(raw) as Body;
        } catch {
          throw badRequest('parsing_exception', 'request body is not valid JSON');
        }
      }
      const { status, payload } = this.route(method, url, body, raw);
      if (fault?.kind === 'partial' && typeof payload === 'object' && payload !== null && '_shards' in payload) {
        (payload as Body)._shards = {
          total: 2,
          successful: 1,
          skipped: 0,
          failed: 1,
          failures: [
            {
              shard: 1,
              index: 'logs',
              node: 'node-2',
              reason: { type: 'node_disconnected_exception', reason: '[node-2] disconnected' },
            },
          ],
        };
      }
      this.send(res, status, payload, req, vendor);
    } catch (error) {
      if (error instanceof EsServerError) {
        const headers: Record<string, string> = {};
        if (error.status === 401) headers['www-authenticate'] = 'Basic realm="security" charset="UTF-8"';
        this.send(res, error.status, error.toBody(), req, undefined, headers);
        return;
      }
      if (error instanceof PlainError) {
        this.send(res, error.status, { error: error.message, status: error.status }, req);
        return;
      }
      throw error;
    }
  }

  private send(
    res: ServerResponse,
    status: number,
    payload: unknown,
    req: IncomingMessage,
    vendor?: string,
    extra: Record<string, string> = {},
  ): void {
    const headers: Record<string, string> = {
      'content-type': vendor ?? 'application/json; charset=UTF-8',
      ...extra,
    };
    if (this.persona.productHeader) headers['x-elastic-product'] = 'Elasticsearch';
    const text = JSON.stringify(payload);
    headers['content-length'] = String(Buffer.byteLength(text));
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  private checkAuth(req: IncomingMessage, path: string): void {
    const auth = this.options.auth;
    if (!auth) return;
    const header = req.headers.authorization;
    if (!header) {
      throw new EsServerError(
        401,
        'security_exception',
        `missing authentication credentials for REST request [${path}]`,
      );
    }
    if ('apiKey' in auth) {
      if (header === `ApiKey ${auth.apiKey}`) return;
      throw new EsServerError(
        401,
        'security_exception',
        `unable to authenticate with provided credentials and anonymous access is not allowed for this request`,
      );
    }
    const [scheme, encoded] = header.split(' ');
    const [user, ...rest] = Buffer.from(encoded ?? '', 'base64')
      .toString('utf8')
      .split(':');
    if (scheme === 'Basic' && user === auth.username && rest.join(':') === auth.password) return;
    throw new EsServerError(
      401,
      'security_exception',
      `unable to authenticate user [${user}] for REST request [${path}]`,
    );
  }

  private checkPrivileges(method: string, path: string): void {
    const user = this.options.readOnlyUser;
    const action = user === undefined ? undefined : clusterAction(method, path);
    if (!action) return;
    const reason =
      this.persona.distribution === 'opensearch'
        ? `no permissions for [${action}] and User [name=${user}, backend_roles=[], requestedTenant=null]`
        : `action [${action}] is unauthorized for user [${user}] with roles [log_reader], this action is granted by the cluster privileges [monitor,manage,all]`;
    throw new EsServerError(403, 'security_exception', reason);
  }

  /** Vendor media types: refused by 7.x and OpenSearch; `compatible-with` checked on 8.x/9.x. Answers the type to reply with. */
  private checkMediaTypes(req: IncomingMessage): string | undefined {
    const accept = req.headers.accept ?? '';
    const contentType = req.headers['content-type'] ?? '';
    const versionOf = (value: string) => {
      if (!value.includes('vnd.elasticsearch+json')) return undefined;
      return Number(/compatible-with=(\d+)/.exec(value)?.[1] ?? Number.NaN);
    };
    const acceptVersion = versionOf(accept);
    const contentVersion = versionOf(contentType);
    if (acceptVersion === undefined && contentVersion === undefined) return undefined;
    const allowed = this.persona.compatibleWith;
    if (allowed.length === 0) {
      const header = contentVersion !== undefined ? 'Content-Type' : 'Accept';
      throw new PlainError(
        406,
        `${header} header [${contentVersion !== undefined ? contentType : accept}] is not supported`,
      );
    }
    if (acceptVersion !== undefined && contentVersion !== undefined && acceptVersion !== contentVersion) {
      throw badRequest(
        'media_type_header_exception',
        `Invalid media-type value on headers [Accept, Content-Type]: A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version and the compatible versions must match. Accept=${accept}, Content-Type=${contentType}`,
      );
    }
    const version = acceptVersion ?? contentVersion!;
    if (!allowed.includes(version)) {
      throw badRequest(
        'media_type_header_exception',
        `Invalid media-type value on headers [Accept]: Accept version must be either version ${[...allowed].reverse().join(' or ')}, but found ${version}. Accept=${accept}`,
      );
    }
    return `application/vnd.elasticsearch+json;compatible-with=${version}`;
  }

  private route(method: string, url: URL, body: Body | undefined, raw: string): { status: number; payload: unknown } {
    const c = this.cluster;
    const params = url.searchParams;
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const ok = (payload: unknown) => ({ status: 200, payload });
    const [first, second, third] = parts;
    const isRead = method === 'GET' || method === 'POST';

    if (parts.length === 0 && (method === 'GET' || method === 'HEAD')) return ok(this.info());
    if (first === '_cluster' && second === 'health' && method === 'GET') return ok(this.health());
    if (first === '_cat' && second === 'indices' && method === 'GET') return ok(this.catIndices(third, params));
    if (first === '_search' && second === 'scroll' && parts.length === 2) {
      if (isRead) return ok(c.continueScroll(body ?? {}));
      if (method === 'DELETE') {
        const result = c.clearScroll(body ?? {});
        return { status: result.found ? 200 : 404, payload: result.body };
      }
    }
    if (this.persona.pit === 'opensearch' && first === '_search' && second === 'point_in_time' && method === 'DELETE') {
      const ids = ([] as unknown[]).concat(body?.pit_id ?? []).map(String);
      return ok({ pits: ids.map((id) => ({ pit_id: id, successful: c.closePit(id) })) });
    }
    if (this.persona.pit === 'elasticsearch' && first === '_pit' && parts.length === 1 && method === 'DELETE') {
      const found = c.closePit(String(body?.id));
      return { status: found ? 200 : 404, payload: { succeeded: true, num_freed: found ? 1 : 0 } };
    }
    if (first === '_search' && parts.length === 1 && isRead) return ok(c.search(undefined, body ?? {}, params));
    if (first === '_count' && parts.length === 1 && isRead) return ok(c.count(undefined, body, params));
    if (first === '_field_caps' && parts.length === 1 && isRead)
      return ok(c.fieldCaps(undefined, fieldList(params, body), params));
    if (first === '_bulk' && method === 'POST') return ok(this.bulk(undefined, raw));

    if (first !== undefined && !first.startsWith('_')) {
      const target = first;
      if (second === '_search' && parts.length === 2 && isRead) return ok(c.search(target, body ?? {}, params));
      if (second === '_search' && third === 'point_in_time' && method === 'POST' && this.persona.pit === 'opensearch') {
        return ok(c.openPit(target, params));
      }
      if (second === '_pit' && method === 'POST' && this.persona.pit === 'elasticsearch')
        return ok(c.openPit(target, params));
      if (second === '_count' && isRead) return ok(c.count(target, body, params));
      if (second === '_field_caps' && isRead) return ok(c.fieldCaps(target, fieldList(params, body), params));
      if (second === '_refresh' && isRead) return ok({ _shards: { total: 1, successful: 1, failed: 0 } });
      if (second === '_bulk' && method === 'POST') return ok(this.bulk(target, raw));
      if (second === '_doc' && (method === 'POST' || method === 'PUT')) {
        const doc = c.addDocument(target, body ?? {}, third);
        return { status: 201, payload: { _index: target, _id: doc.id, result: 'created' } };
      }
      if (parts.length === 1 && method === 'PUT') {
        c.createIndexFromBody(target, body);
        return ok({ acknowledged: true, shards_acknowledged: true, index: target });
      }
      if (parts.length === 1 && method === 'DELETE') {
        for (const index of c.resolve(target, params)) c.deleteIndex(index.name);
        return ok({ acknowledged: true });
      }
    }
    throw new PlainError(400, `no handler found for uri [${url.pathname}${url.search}] and method [${method}]`);
  }

  private info(): Body {
    const p = this.persona;
    const version: Body =
      p.distribution === 'opensearch'
        ? {
            distribution: 'opensearch',
            number: p.version,
            build_type: 'tar',
            lucene_version: p.luceneVersion,
            minimum_wire_compatibility_version: '7.10.0',
            minimum_index_compatibility_version: '7.0.0',
          }
        : {
            number: p.version,
            build_flavor: 'default',
            build_type: 'docker',
            lucene_version: p.luceneVersion,
            minimum_wire_compatibility_version: '7.17.0',
            minimum_index_compatibility_version: '7.0.0',
          };
    return {
      name: 'node-1',
      cluster_name: 'lagwatch-test',
      cluster_uuid: 'bH2Xo1f5TQ2mAkTWe8h0Aw',
      version,
      tagline:
        p.distribution === 'opensearch' ? 'The OpenSearch Project: https://opensearch.org/' : 'You Know, for Search',
    };
  }

  private health(): Body {
    return {
      cluster_name: 'lagwatch-test',
      status: this.cluster.healthStatus,
      timed_out: false,
      number_of_nodes: 1,
      number_of_data_nodes: 1,
      active_primary_shards: this.cluster.indices.size,
      active_shards: this.cluster.indices.size,
      relocating_shards: 0,
      initializing_shards: 0,
      unassigned_shards: this.cluster.healthStatus === 'red' ? 1 : 0,
    };
  }

  private catIndices(target: string | undefined, params: URLSearchParams): unknown {
    if (params.get('format') !== 'json')
      throw badRequest('illegal_argument_exception', 'this test server answers _cat in format=json only');
    const rows = this.cluster.resolve(target, params).map((index) => ({
      health: this.cluster.healthStatus,
      status: 'open',
      index: index.name,
      uuid: index.uuid,
      pri: '1',
      rep: '0',
      'docs.count': String(index.docs.length),
      'docs.deleted': '0',
      'store.size': `${index.docs.length}kb`,
      'pri.store.size': `${index.docs.length}kb`,
    }));
    rows.sort((a, b) => (a.index < b.index ? -1 : 1));
    const columns = params.get('h')?.split(',');
    return columns
      ? rows.map((row) => Object.fromEntries(columns.map((c) => [c, row[c as keyof typeof row] ?? null])))
      : rows;
  }

  private bulk(defaultIndex: string | undefined, raw: string): Body {
    const lines = raw.split('\n').filter((l) => l.trim() !== '');
    const items: Body[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]!) as Record<string, { _index?: string; _id?: string }>;
      const [kind, meta] = Object.entries(action)[0]!;
      const index = meta._index ?? defaultIndex;
      if (!index) throw badRequest('action_request_validation_exception', 'Validation Failed: 1: index is missing;');
      const doc = this.cluster.addDocument(index, JSON.parse(lines[i + 1]!) as Body, meta._id);
      items.push({ [kind]: { _index: index, _id: doc.id, status: 201, result: 'created' } });
    }
    return { took: 1, errors: false, items };
  }
}

class PlainError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function faultError(status: number): EsServerError {
  if (status === 429) {
    return new EsServerError(
      429,
      'es_rejected_execution_exception',
      'rejected execution of coordinating operation [queue capacity 1000]',
    );
  }
  if (status === 503)
    return new EsServerError(
      503,
      'cluster_block_exception',
      'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];',
    );
  return new EsServerError(status, 'exception', `injected failure ${status}`);
}

function fieldList(params: URLSearchParams, body: Body | undefined): string[] {
  const fromQuery = params.get('fields');
  if (fromQuery) return fromQuery.split(',');
  const fromBody = body?.fields;
  return Array.isArray(fromBody) ? fromBody.map(String) : [];
}
