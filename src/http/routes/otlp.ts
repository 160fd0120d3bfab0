import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { StorageUnavailableError, storageFailureCode } from '../../db/storage-failure.js';
import { EmbeddedLogStore, IdempotencyKeyReusedError } from '../../logs/embedded/embedded-log-store.js';
import type { IngestThread } from '../../logs/embedded/ingest-thread.js';
import { IngestBodyError } from '../../logs/ndjson/ingest-body.js';
import type { OtlpSignal } from '../../logs/protocols/otlp/otlp-messages.js';
import {
  exportResponse,
  type OtlpAnswer,
  RPC_INVALID_ARGUMENT,
  statusAnswer,
} from '../../logs/protocols/otlp/otlp-response.js';
import { bodyEncodingOf } from '../body-checks.js';
import type { HttpContext } from '../context.js';
import { errorResponses, HttpError } from '../envelope.js';
import { BodyAbortedError, BodyTimeoutError, timedBody } from '../timed-body.js';

export const OTLP_TYPES = ['application/x-protobuf', 'application/json'];
export const OTLP_PATHS: Record<OtlpSignal, string> = { traces: '/v1/traces', logs: '/v1/logs' };

export interface OtlpRouteOptions {
  /** POST /ingest's ingest thread: the same worker, connection and queue. */
  thread: IngestThread;
  /** Validates the Idempotency-Key header as POST /ingest does. */
  idempotencyKeyOf: (header: string | string[] | undefined) => string | undefined;
  onIngest?: (accepted: number) => void;
}

function encodingOf(contentType: string | undefined): 'protobuf' | 'json' | undefined {
  const type = String(contentType ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (type === 'application/x-protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

const DESCRIPTION: Record<OtlpSignal, string> = {
  traces:
    'OTLP/HTTP ExportTraceServiceRequest (application/x-protobuf or OTLP JSON application/json; gzip with Content-Encoding: gzip). ' +
    'Each span that OTLP_SPAN_KINDS keeps becomes a log document (time = start, app = resource service.name, ' +
    'message key and message = span name, duration = end − start, correlation id = trace id, level error when the status is ERROR).',
  logs:
    'OTLP/HTTP ExportLogsServiceRequest (application/x-protobuf or OTLP JSON application/json; gzip with Content-Encoding: gzip). ' +
    'Each log record becomes a log document read through the field mapping (LOG_FIELDS, FIELD_*) over its resource attributes, ' +
    'kvlist body and attributes; a string body is the message; its time is timeUnixNano, else observedTimeUnixNano.',
};

/**
 * POST /v1/traces and /v1/logs (OTLP/HTTP) into the embedded store, through POST /ingest's ingest
 * thread, slots, limits and Idempotency-Key. Answers 200 with the Export*ServiceResponse in the
 * request's encoding (partial_success when items were refused), 400 with a google.rpc.Status for
 * a body that does not decode; the other errors are lagwatch's usual envelope.
 */
export function otlpRoutes(ctx: HttpContext, options: OtlpRouteOptions): FastifyPluginAsyncTypebox {
  const limits = ctx.config.embedded;
  const bodyLimit = limits.ingestMaxBytes;
  const timeouts = {
    idleMs: limits.ingestBodyIdleTimeoutSeconds * 1000,
    totalMs: limits.ingestBodyTimeoutSeconds * 1000,
  };
  return async (app) => {
    // The body stays a stream, passed on to the ingest thread as it arrives.
    app.addContentTypeParser(OTLP_TYPES, (_request, payload, done) => done(null, payload));

    for (const signal of ['traces', 'logs'] as const) {
      app.post(
        OTLP_PATHS[signal],
        {
          bodyLimit,
          config: { bodyTypes: OTLP_TYPES, bodyEncodings: ['gzip'] },
          schema: {
            tags: ['logs'],
            summary: `Store OpenTelemetry ${signal === 'traces' ? 'spans' : 'log records'} (OTLP/HTTP) in the embedded log store`,
            description:
              `${DESCRIPTION[signal]} Limits, Idempotency-Key and back-pressure as POST /ingest (413, 408, 409, 503 with Retry-After); ` +
              'another content type is 415. A span or record that cannot be used is refused alone and counted in partial_success.',
            response: errorResponses(400, 401, 408, 409, 413, 415),
          },
        },
        async (request, reply) => {
          const encoding = encodingOf(request.headers['content-type']);
          if (encoding === undefined) {
            throw new HttpError(
              'unsupported_media_type',
              `unsupported content type: POST ${OTLP_PATHS[signal]} takes ${OTLP_TYPES.join(', ')}`,
            );
          }
          // Protobuf or JSON text, sent as it is (never through the envelope's serialiser).
          const raw = reply as unknown as FastifyReply;
          const answer = (status: number, { contentType, body }: OtlpAnswer) =>
            raw.code(status).type(contentType).send(body);
          const idempotencyKey = options.idempotencyKeyOf(request.headers['idempotency-key']);
          const source = await ctx.logSource();
          if (!(source instanceof EmbeddedLogStore)) {
            throw new HttpError(
              'conflict',
              `POST ${OTLP_PATHS[signal]} stores logs in the embedded store; LOG_SOURCE is elasticsearch`,
            );
          }
          const gzip = bodyEncodingOf(request.headers['content-encoding']) === 'gzip';
          if (Number(request.headers['content-length']) > bodyLimit) {
            reply.header('connection', 'close');
            throw new HttpError(
              'payload_too_large',
              `the request body is larger than ${bodyLimit} bytes (INGEST_MAX_BYTES)`,
            );
          }
          try {
            const stream = request.body as Readable | undefined;
            const body = stream ? timedBody(stream, timeouts) : [];
            const { replayed, ...result } = await options.thread.ingest(body, {
              gzip,
              maxBytes: bodyLimit,
              maxLines: limits.ingestMaxLines,
              idempotencyKey,
              format: { protocol: 'otlp', signal, encoding },
            });
            if (replayed) reply.header('idempotent-replayed', 'true');
            else {
              ctx.events.publish({ type: 'ingest', data: { accepted: result.accepted, rejected: result.rejected } });
              if (result.accepted > 0) options.onIngest?.(result.accepted);
            }
            return answer(200, exportResponse(signal, result, encoding));
          } catch (error) {
            if (error instanceof IngestBodyError && error.code === 'invalid_body') {
              return answer(400, statusAnswer(RPC_INVALID_ARGUMENT, `${error.message}; nothing was stored`, encoding));
            }
            throw ingestFailure(error, reply, limits);
          }
        },
      );
    }
  };
}

/** The answer to a failed ingest (as POST /ingest answers it). */
function ingestFailure(
  error: unknown,
  reply: { header: (name: string, value: string) => unknown },
  limits: HttpContext['config']['embedded'],
): unknown {
  if (error instanceof IdempotencyKeyReusedError) return new HttpError('conflict', error.message);
  if (error instanceof BodyAbortedError) return new HttpError('bad_request', `${error.message}; nothing was stored`);
  if (error instanceof BodyTimeoutError) {
    reply.header('connection', 'close');
    const why =
      error.limit === 'idle'
        ? `stalled: no bytes came for ${limits.ingestBodyIdleTimeoutSeconds} s (INGEST_BODY_IDLE_TIMEOUT_SECONDS)`
        : `took too long: not whole after ${limits.ingestBodyTimeoutSeconds} s (INGEST_BODY_TIMEOUT_SECONDS)`;
    return new HttpError('request_timeout', `the request body ${why}; nothing was stored`);
  }
  const code = storageFailureCode(error);
  if (code !== undefined) return new StorageUnavailableError('log_source', code, error);
  if (error instanceof IngestBodyError) {
    reply.header('connection', 'close');
    return new HttpError('payload_too_large', error.message);
  }
  return error;
}
