import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { StorageUnavailableError, storageFailureCode } from '../../db/storage-failure.js';
import { EmbeddedLogStore, IdempotencyKeyReusedError } from '../../logs/embedded/embedded-log-store.js';
import { IngestThread } from '../../logs/embedded/ingest-thread.js';
import { IngestBodyError } from '../../logs/ndjson/ingest-body.js';
import { bodyEncodingOf } from '../body-checks.js';
import type { HttpContext } from '../context.js';
import { errorResponses, HttpError, success, successEnvelope } from '../envelope.js';
import { BodyAbortedError, BodyTimeoutError, timedBody } from '../timed-body.js';
import { OTLP_PATHS, otlpRoutes } from './otlp.js';

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'text/plain'];

const IngestResult = Type.Object({
  accepted: Type.Integer({ description: 'Documents stored' }),
  rejected: Type.Integer({ description: 'Lines that were not stored' }),
  errors: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() }), {
    description: 'The first rejected lines with their line numbers and reasons',
  }),
});

export const INGEST_RETRY_AFTER_SECONDS = 1;

/** The routes that take an ingest slot: POST /ingest and the ingestion protocols. */
const SLOT_ROUTES = new Set(['/ingest', ...Object.values(OTLP_PATHS)]);

/** Counts the ingests in progress; each request holds at most one slot. */
export class IngestSlots {
  private readonly holders = new WeakSet<object>();
  private used = 0;

  constructor(readonly max: number) {}

  take(request: object): boolean {
    if (this.used >= this.max) return false;
    this.used++;
    this.holders.add(request);
    return true;
  }

  release(request: object): void {
    if (!this.holders.delete(request)) return;
    this.used--;
  }
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header: 1 to 255 visible ASCII characters, once; undefined when absent. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
    throw new HttpError('bad_request', 'the Idempotency-Key header is invalid', [
      { field: 'Idempotency-Key', message: 'must be given once, as 1 to 255 visible ASCII characters' },
    ]);
  }
  return header;
}

/** What every ingestion route shares: one ingest thread (one writer) and INGEST_MAX_CONCURRENT slots. */
export interface IngestPipeline {
  thread: IngestThread;
  slots: IngestSlots;
}

const pipelines = new WeakMap<HttpContext, IngestPipeline>();

/** The ingest pipeline of a service (made on first use). */
export function ingestPipelineOf(ctx: HttpContext): IngestPipeline {
  let pipeline = pipelines.get(ctx);
  if (!pipeline) {
    pipeline = {
      thread: new IngestThread(ctx.config),
      slots: new IngestSlots(ctx.config.embedded.ingestMaxConcurrent),
    };
    pipelines.set(ctx, pipeline);
  }
  return pipeline;
}

export interface IngestRouteOptions {
  /** Called after every successful ingest (the scheduler scans sooner). */
  onIngest?: (accepted: number) => void;
}

/**
 * POST /ingest: NDJSON log documents (gzip with Content-Encoding: gzip, or detected) into the
 * embedded store, one transaction per request, with its own limits (INGEST_MAX_BYTES on the wire
 * and decompressed, INGEST_MAX_LINES). The body is not read here: IngestThread streams it to the
 * worker thread that parses and stores it. A body that stalls or takes too long to arrive
 * (INGEST_BODY_IDLE_TIMEOUT_SECONDS, INGEST_BODY_TIMEOUT_SECONDS) gives its slot up: 408,
 * nothing stored.
 */
export function ingestRoutes(ctx: HttpContext, options: IngestRouteOptions = {}): FastifyPluginAsyncTypebox {
  const limits = ctx.config.embedded;
  const bodyLimit = limits.ingestMaxBytes;
  const timeouts = {
    idleMs: limits.ingestBodyIdleTimeoutSeconds * 1000,
    totalMs: limits.ingestBodyTimeoutSeconds * 1000,
  };
  return async (app) => {
    const { thread, slots } = ingestPipelineOf(ctx);
    app.addHook('onClose', () => thread.close());
    // Before the body is read: a full house costs no memory.
    app.addHook('onRequest', (request, reply, done) => {
      if (!SLOT_ROUTES.has(request.routeOptions.url ?? '') || slots.take(request)) return done();
      reply.header('retry-after', String(INGEST_RETRY_AFTER_SECONDS));
      done(
        new HttpError(
          'unavailable',
          `${slots.max} ingests are already in progress (INGEST_MAX_CONCURRENT): try again later`,
        ),
      );
    });
    app.addHook('onResponse', (request, _reply, done) => {
      slots.release(request);
      done();
    });
    app.addHook('onRequestAbort', (request, done) => {
      slots.release(request);
      done();
    });
    app.removeAllContentTypeParsers();
    // The body stays a stream: the handler passes it on to the ingest thread chunk by chunk.
    app.addContentTypeParser(NDJSON_TYPES, (_request, payload, done) => {
      done(null, payload);
    });

    await app.register(otlpRoutes(ctx, { thread, idempotencyKeyOf, onIngest: options.onIngest }));

    app.post(
      '/ingest',
      {
        bodyLimit,
        config: { bodyTypes: NDJSON_TYPES, bodyEncodings: ['gzip'] },
        schema: {
          tags: ['logs'],
          summary: 'Store NDJSON log documents in the embedded log store',
          description:
            'Body: one JSON log document per line (Content-Type application/x-ndjson, UTF-8; gzip with Content-Encoding: gzip). ' +
            'Limits: INGEST_MAX_BYTES on the wire and decompressed, INGEST_MAX_LINES lines (413); a body that stalls or arrives ' +
            'too slowly is 408; another Content-Encoding or charset is 415. ' +
            'Every line is validated on its own: good lines are stored, bad ones are counted and the first are listed. ' +
            'With an Idempotency-Key header seen in the last 24 hours nothing is stored and the first answer is repeated ' +
            '(header Idempotent-Replayed: true); the same key with a different body is 409.',
          response: { 200: successEnvelope(IngestResult), ...errorResponses(400, 401, 408, 409, 413, 415) },
        },
      },
      async (request, reply) => {
        const idempotencyKey = idempotencyKeyOf(request.headers['idempotency-key']);
        const source = await ctx.logSource();
        if (!(source instanceof EmbeddedLogStore)) {
          throw new HttpError(
            'conflict',
            'POST /ingest stores logs in the embedded store; LOG_SOURCE is elasticsearch',
          );
        }
        // Any other encoding was answered 415 before the body (body-checks.ts).
        const gzip = bodyEncodingOf(request.headers['content-encoding']) === 'gzip';
        if (Number(request.headers['content-length']) > bodyLimit) {
          reply.header('connection', 'close');
          throw new HttpError(
            'payload_too_large',
            `the request body is larger than ${bodyLimit} bytes (INGEST_MAX_BYTES)`,
          );
        }
        try {
          // No body at all (no Content-Type, no length): an empty one.
          const stream = request.body as Readable | undefined;
          const body = stream ? timedBody(stream, timeouts) : [];
          const { replayed, ...result } = await thread.ingest(body, {
            gzip,
            maxBytes: bodyLimit,
            maxLines: limits.ingestMaxLines,
            idempotencyKey,
          });
          if (replayed) {
            reply.header('idempotent-replayed', 'true');
            return success(result);
          }
          ctx.events.publish({ type: 'ingest', data: { accepted: result.accepted, rejected: result.rejected } });
          if (result.accepted > 0) options.onIngest?.(result.accepted);
          return success(result);
        } catch (error) {
          if (error instanceof IdempotencyKeyReusedError) throw new HttpError('conflict', error.message);
          // Nobody is left to read the answer; a client error all the same, not an internal one.
          if (error instanceof BodyAbortedError)
            throw new HttpError('bad_request', `${error.message}; nothing was stored`);
          if (error instanceof BodyTimeoutError) {
            // The rest of the body is not waited for: the answer ends the connection.
            reply.header('connection', 'close');
            const why =
              error.limit === 'idle'
                ? `stalled: no bytes came for ${limits.ingestBodyIdleTimeoutSeconds} s (INGEST_BODY_IDLE_TIMEOUT_SECONDS)`
                : `took too long: not whole after ${limits.ingestBodyTimeoutSeconds} s (INGEST_BODY_TIMEOUT_SECONDS)`;
            throw new HttpError('request_timeout', `the request body ${why}; nothing was stored`);
          }
          const code = storageFailureCode(error);
          if (code !== undefined) throw new StorageUnavailableError('log_source', code, error);
          if (error instanceof IngestBodyError) {
            if (error.code === 'payload_too_large') reply.header('connection', 'close');
            throw new HttpError(
              error.code === 'payload_too_large' ? 'payload_too_large' : 'bad_request',
              error.message,
            );
          }
          throw error;
        }
      },
    );
  };
}
