import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { TokenDirectory } from '../access/token-directory.js';
import { VERSION } from '../version.js';
import { registerWebApp } from '../web/serve.js';
import { installAccessCheck, registerWithAccess } from './auth.js';
import { installBodyChecks } from './body-checks.js';
import { installChannelTypes } from './channel-schemas.js';
import { answerClientError } from './client-errors.js';
import type { HttpContext } from './context.js';
import { installDocs } from './docs.js';
import { answerFrameworkError, installErrorHandling } from './error-handler.js';
import type { EventStreamOptions } from './event-stream.js';
import { installJsonBodyParser } from './json-body.js';
import { installRequestMetrics } from './request-metrics.js';
import { installOriginChecks } from './request-origin.js';
import { alertRoutes } from './routes/alerts.js';
import { auditRoutes } from './routes/audit.js';
import { channelRoutes } from './routes/channels.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { ELASTICSEARCH_PREFIX, elasticsearchRoutes } from './routes/elasticsearch.js';
import { eventRoutes } from './routes/events.js';
import { incidentRoutes } from './routes/incidents.js';
import { ingestRoutes } from './routes/ingest.js';
import { monitorRoutes } from './routes/monitor.js';
import { operationsRoutes } from './routes/operations.js';
import { ruleRoutes } from './routes/rules.js';
import { silenceRoutes } from './routes/silences.js';
import { targetTestRoutes } from './routes/target-test.js';
import { targetRoutes } from './routes/targets.js';
import { tokenRoutes } from './routes/tokens.js';
import { installSecurity } from './security.js';
import { installStorageRecovery, storageHealthOf } from './storage-health.js';
import { typeboxValidatorCompiler } from './validation.js';

/** The Fastify instance lagwatch serves, typed for TypeBox route schemas. */
export type LagwatchServer = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServerOptions {
  /** Called after every ingest that stored logs (the scheduler then scans sooner). */
  onIngest?: (accepted: number) => void;
  /** The clock (epoch ms) for default ranges and lags of the figures; tests pin it. */
  now?: () => number;
  /** Heartbeat, retry and buffer settings of `GET /events`. */
  events?: EventStreamOptions;
  /** Serve the web dashboard built into this folder at `/` (`lagwatch start`: dist/dashboard). */
  webRoot?: string;
  /**
   * Registers more routes in the same context as lagwatch's own, so authentication, the envelope
   * error handler, metrics and the OpenAPI document apply to them too (tests, benchmarks).
   */
  extraRoutes?: (app: LagwatchServer) => Promise<void>;
  /** Request body limit in bytes (default 1 MiB); a route may set its own `bodyLimit`. */
  bodyLimit?: number;
  /** Bound of each readiness check (default 2000 ms). */
  readinessTimeoutMs?: number;
  /** bench/api.ts only, to measure the access check's cost: serve without it. lagwatch never sets it. */
  withoutAccessCheck?: boolean;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Builds the HTTP API without listening: `inject` it in tests, or listen via startHttpServer. */
export async function buildServer(ctx: HttpContext, options: ServerOptions = {}): Promise<LagwatchServer> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(typeboxValidatorCompiler);
  installChannelTypes(app, ctx.channels.types);
  // JSON only: a text/plain body is answered with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app);
  // While closing, answers to in-flight requests end their keep-alive connections, so close()
  // resolves as soon as they are answered instead of waiting for idle keep-alive timeouts.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback style: no promise per request on the hot path.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  installBodyChecks(app);
  const storageHealth = storageHealthOf(ctx);
  installErrorHandling(app, storageHealth);
  installStorageRecovery(app, storageHealth);
  await installSecurity(app, ctx.config.corsOrigins);
  const tokens = new TokenDirectory(ctx.tokens, {
    onLastUsedError: (error) => ctx.logger.warn({ err: error }, 'could not record when a token was last used'),
    onReadError: (error) =>
      ctx.logger.warn({ err: error }, 'cannot read the API tokens: the copy read last decides meanwhile'),
  });
  // A first copy, so that a database that stops answering later leaves the API judged by it.
  await tokens.current().catch(() => undefined);
  if (!options.withoutAccessCheck) installAccessCheck(app, { apiToken: ctx.config.apiToken, tokens });
  if (!ctx.config.apiToken) installOriginChecks(app, ctx.config);
  installRequestMetrics(app);
  await installDocs(app, VERSION);

  // What each group of routes needs (src/access/route-access.ts); a route may declare its own
  // (`config: { access }`), and one registered outside these needs admin.
  const reads = { read: 'read', write: 'admin' } as const;
  const changes = { read: 'read', write: 'write' } as const;
  const shippers = { read: 'ingest', write: 'ingest' } as const;
  const now = options.now ?? Date.now;
  await registerWithAccess(app, reads, async (scope) => {
    await scope.register(operationsRoutes(ctx, options.readinessTimeoutMs ?? 2_000));
    await scope.register(incidentRoutes(ctx, now));
    await scope.register(channelRoutes(ctx));
    await scope.register(alertRoutes(ctx, now));
    await scope.register(auditRoutes(ctx));
    await scope.register(dashboardRoutes(ctx, now));
    await scope.register(monitorRoutes(ctx, now));
    await scope.register(
      eventRoutes(ctx.events, {
        maxSubscribers: ctx.config.events.maxSubscribers,
        maxBufferedBytes: ctx.config.events.maxBufferedBytes,
        ...options.events,
      }),
    );
  });
  await registerWithAccess(app, changes, async (scope) => {
    await scope.register(ruleRoutes(ctx, now));
    await scope.register(targetRoutes(ctx));
    await scope.register(targetTestRoutes(ctx));
    await scope.register(silenceRoutes(ctx));
  });
  await registerWithAccess(app, shippers, async (scope) => {
    await scope.register(ingestRoutes(ctx, { onIngest: options.onIngest }));
    await scope.register(elasticsearchRoutes(ctx, { onIngest: options.onIngest }), { prefix: ELASTICSEARCH_PREFIX });
  });
  await registerWithAccess(app, { read: 'admin', write: 'admin' }, async (scope) => {
    await scope.register(tokenRoutes(ctx, now));
  });
  if (options.webRoot !== undefined) {
    const webRoot = options.webRoot;
    await registerWithAccess(app, { read: 'public', write: 'admin' }, (scope) =>
      registerWebApp(scope, { root: webRoot }),
    );
  }
  if (options.extraRoutes) await options.extraRoutes(app);

  await app.ready();
  return app;
}

export interface RunningServer {
  app: LagwatchServer;
  /** Base URL, e.g. "http://127.0.0.1:9501". */
  address: string;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

export interface StartOptions extends ServerOptions {
  /** Overrides ctx.config.port (0 picks a free port, for tests). */
  port?: number;
  /** Overrides ctx.config.host. */
  host?: string;
}

/**
 * Builds the server and listens on HOST:PORT. A taken port rejects with one clear line. Without
 * API_TOKEN on a non-loopback HOST it warns that the API is open to the network.
 */
export async function startHttpServer(ctx: HttpContext, options: StartOptions = {}): Promise<RunningServer> {
  const host = options.host ?? ctx.config.host;
  const port = options.port ?? ctx.config.port;
  const app = await buildServer(ctx, options);
  try {
    await app.listen({ host, port, listenTextResolver: (address) => `lagwatch API listening on ${address}` });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new Error(`port ${port} on ${host} is already in use: stop the other process or set PORT`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new Error(`cannot listen on ${host}: no such local address (check HOST)`);
    }
    if (code === 'EACCES') throw new Error(`port ${port} on ${host} needs privileges: choose a PORT above 1023`);
    throw error;
  }
  if (!ctx.config.apiToken && !isLoopback(host) && !(await anyActiveToken(ctx))) {
    ctx.logger.warn(
      { host, port },
      `API_TOKEN is not set, no token is active and HOST=${host} is not loopback: the API is open to the network`,
    );
  }
  const info = app.server.address() as AddressInfo;
  const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  return {
    app,
    address: `http://${shownHost}:${info.port}`,
    port: info.port,
    close: () => closeGracefully(app),
  };
}

async function anyActiveToken(ctx: HttpContext): Promise<boolean> {
  const now = Date.now();
  const tokens = await ctx.tokens.list().catch(() => []);
  return tokens.some((t) => t.revoked_at === null && (t.expires_at === null || t.expires_at > now));
}

const CLOSE_GRACE_MS = 5_000;

/**
 * Stops accepting and lets in-flight requests finish; a connection still open after the grace
 * period (e.g. a spare keep-alive socket a client opened but never used, which Node does not
 * count as idle) is then cut so that shutdown cannot hang.
 */
async function closeGracefully(app: LagwatchServer): Promise<void> {
  const force = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
  force.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(force);
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
