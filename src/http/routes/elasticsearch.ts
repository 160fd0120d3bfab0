import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { StorageUnavailableError, storageFailureCode } from '../../db/storage-failure.js';
import { EmbeddedLogStore, IdempotencyKeyReusedError } from '../../logs/embedded/embedded-log-store.js';
import { IngestBodyError } from '../../logs/ndjson/ingest-body.js';
import { bodyEncodingOf } from '../body-checks.js';
import type { HttpContext } from '../context.js';
import { HttpError } from '../envelope.js';
import { describeError } from '../error-handler.js';
import { asStorageFailure, STORAGE_RETRY_AFTER_SECONDS } from '../storage-health.js';
import { BodyAbortedError, BodyTimeoutError, timedBody } from '../timed-body.js';
import { INGEST_RETRY_AFTER_SECONDS, type IngestRouteOptions, idempotencyKeyOf, ingestPipelineOf } from './ingest.js';

export const ELASTICSEARCH_PREFIX = '/elasticsearch';

/** The Elasticsearch version lagwatch answers as: the 8.x clients and shippers accept it. */
const ES_VERSION = {
  number: '8.19.0',
  build_flavor: 'default',
  build_type: 'tar',
  build_hash: '0000000000000000000000000000000000000000',
  build_date: '2025-07-01T00:00:00.000Z',
  build_snapshot: false,
  lucene_version: '9.12.2',
  minimum_wire_compatibility_version: '7.17.0',
  minimum_index_compatibility_version: '7.0.0',
};
const CLUSTER_NAME = 'lagwatch';
/** Stable across restarts: shippers that remember the cluster see the same one. */
const CLUSTER_UUID = 'bGFnd2F0Y2gtbG9nLXN0';

export const BULK_TYPES = [
  'application/x-ndjson',
  'application/json',
  'application/vnd.elasticsearch+x-ndjson',
  'application/vnd.elasticsearch+json',
];

/** Elasticsearch's error type for each status lagwatch answers under the prefix. */
const ES_ERROR_TYPES: Record<number, string> = {
  400: 'illegal_argument_exception',
  401: 'security_exception',
  403: 'security_exception',
  404: 'resource_not_found_exception',
  408: 'timeout_exception',
  409: 'version_conflict_engine_exception',
  413: 'content_too_long_exception',
  415: 'media_type_header_exception',
  429: 'es_rejected_execution_exception',
  503: 'unavailable_shards_exception',
};

/** Elasticsearch's error body: `{error: {root_cause, type, reason}, status}`. */
export function esError(status: number, reason: string, type = ES_ERROR_TYPES[status] ?? 'exception') {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

const BulkQuery = Type.Object(
  {
    filter_path: Type.Optional(Type.String({ maxLength: 2000, description: 'e.g. errors,items.*.error' })),
    refresh: Type.Optional(Type.String({ description: 'accepted and ignored' })),
    pipeline: Type.Optional(Type.String({ description: 'accepted and ignored' })),
    routing: Type.Optional(Type.String({ description: 'accepted and ignored' })),
  },
  { additionalProperties: true },
);

const BULK_DESCRIPTION =
  'Elasticsearch bulk API (NDJSON action/document pairs; application/x-ndjson, application/json or ' +
  'application/vnd.elasticsearch+x-ndjson; gzip). index and create actions store their document as a log ' +
  '(same validation as POST /ingest, the index name is not kept); update, delete and unknown actions are refused per item. ' +
  'Answers {took, errors, items} as Elasticsearch does, each refused item with status 400 and error {type, reason}. ' +
  'Same limits, Idempotency-Key and back-pressure (429 es_rejected_execution_exception with Retry-After) as POST /ingest; ' +
  'filter_path is honoured, refresh, pipeline and routing are ignored.';

/**
 * The Elasticsearch bulk API under /elasticsearch, so shippers configured for Elasticsearch
 * (Filebeat, Fluent Bit, Vector, Logstash, the official clients) send their logs here unchanged.
 * Only what they need: the node's identity (GET /), the license and cluster health some of them
 * ask on connect, and _bulk. Bulk bodies go through /ingest's pipeline (ingest thread, slots).
 */
export function elasticsearchRoutes(ctx: HttpContext, options: IngestRouteOptions = {}): FastifyPluginAsyncTypebox {
  const limits = ctx.config.embedded;
  const bodyLimit = limits.ingestMaxBytes;
  const timeouts = {
    idleMs: limits.ingestBodyIdleTimeoutSeconds * 1000,
    totalMs: limits.ingestBodyTimeoutSeconds * 1000,
  };
  return async (app) => {
    const { thread, slots } = ingestPipelineOf(ctx);
    app.addHook('onClose', () => thread.close());
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-elastic-product', 'Elasticsearch');
      if (!request.routeOptions.url?.endsWith('/_bulk') || slots.take(request)) return done();
      reply.header('retry-after', String(INGEST_RETRY_AFTER_SECONDS));
      done(
        new HttpError(
          'too_many_requests',
          `rejected execution: ${slots.max} ingests are already in progress (INGEST_MAX_CONCURRENT)`,
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
    app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const { statusCode, body, unexpected } = describeError(error);
      // Errors of hooks that run before this plugin's own (authentication) too.
      reply.header('x-elastic-product', 'Elasticsearch');
      if (asStorageFailure(error)) reply.header('retry-after', String(STORAGE_RETRY_AFTER_SECONDS));
      if (unexpected) request.log.error({ err: error }, 'unexpected error while handling the request');
      let reason = body.error.message;
      if ((error as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        const sent = String(request.headers['content-type'] ?? 'none')
          .split(';')[0]
          .trim()
          .slice(0, 80);
        reason = `Content-Type header [${sent}] is not supported: send ${BULK_TYPES.join(', ')}`;
      }
      return reply.code(statusCode).type('application/json; charset=utf-8').send(esError(statusCode, reason));
    });
    app.setNotFoundHandler((request, reply) =>
      reply
        .code(404)
        .header('x-elastic-product', 'Elasticsearch')
        .type('application/json; charset=utf-8')
        .send(
          esError(
            404,
            `lagwatch answers only the bulk API under ${ELASTICSEARCH_PREFIX}: no handler for ${request.method} ${request.url.split('?')[0].slice(0, 200)}`,
          ),
        ),
    );
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(BULK_TYPES, (_request, payload, done) => {
      done(null, payload);
    });

    app.get(
      '/',
      { schema: { tags: ['elasticsearch'], summary: 'Answer as an Elasticsearch 8 node (name, version, tagline)' } },
      async () => ({
        name: 'lagwatch',
        cluster_name: CLUSTER_NAME,
        cluster_uuid: CLUSTER_UUID,
        version: ES_VERSION,
        tagline: 'You Know, for Search',
      }),
    );
    app.get(
      '/_license',
      { schema: { tags: ['elasticsearch'], summary: 'A basic license, for shippers that check it on connect' } },
      async () => ({
        license: {
          status: 'active',
          uid: '00000000-0000-0000-0000-000000000000',
          type: 'basic',
          issue_date: '1970-01-01T00:00:00.000Z',
          issue_date_in_millis: 0,
          max_nodes: 1000,
          max_resource_units: null,
          issued_to: CLUSTER_NAME,
          issuer: 'elasticsearch',
          start_date_in_millis: -1,
        },
      }),
    );
    app.get(
      '/_cluster/health',
      { schema: { tags: ['elasticsearch'], summary: 'Cluster health, for shippers whose health check asks it' } },
      async () => ({
        cluster_name: CLUSTER_NAME,
        status: 'green',
        timed_out: false,
        number_of_nodes: 1,
        number_of_data_nodes: 1,
        active_primary_shards: 0,
        active_shards: 0,
        relocating_shards: 0,
        initializing_shards: 0,
        unassigned_shards: 0,
        delayed_unassigned_shards: 0,
        number_of_pending_tasks: 0,
        number_of_in_flight_fetch: 0,
        task_max_waiting_in_queue_millis: 0,
        active_shards_percent_as_number: 100,
      }),
    );

    const bulk = async (request: FastifyRequest, reply: FastifyReply, defaultIndex: string | undefined) => {
      const idempotencyKey = idempotencyKeyOf(request.headers['idempotency-key']);
      const source = await ctx.logSource();
      if (!(source instanceof EmbeddedLogStore)) {
        throw new HttpError('conflict', 'the bulk API stores logs in the embedded store; LOG_SOURCE is elasticsearch');
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
        const { replayed, bulk, accepted, rejected } = await thread.ingest(body, {
          gzip,
          maxBytes: bodyLimit,
          maxLines: limits.ingestMaxLines,
          idempotencyKey,
          format: { protocol: 'es-bulk' },
          defaultIndex,
          filterPath: (request.query as { filter_path?: string }).filter_path,
        });
        if (!bulk || bulk.actions === 0) throw new HttpError('bad_request', 'Validation Failed: 1: no requests added;');
        if (replayed) reply.header('idempotent-replayed', 'true');
        else {
          ctx.events.publish({ type: 'ingest', data: { accepted, rejected } });
          if (accepted > 0) options.onIngest?.(accepted);
        }
        return reply.type('application/json; charset=utf-8').send(bulk.answer);
      } catch (error) {
        if (error instanceof IdempotencyKeyReusedError) throw new HttpError('conflict', error.message);
        if (error instanceof BodyAbortedError)
          throw new HttpError('bad_request', `${error.message}; nothing was stored`);
        if (error instanceof BodyTimeoutError) {
          reply.header('connection', 'close');
          throw new HttpError(
            'request_timeout',
            `the request body ${error.limit === 'idle' ? 'stalled' : 'took too long'}; nothing was stored`,
          );
        }
        const code = storageFailureCode(error);
        if (code !== undefined) throw new StorageUnavailableError('log_source', code, error);
        if (error instanceof IngestBodyError) {
          if (error.code === 'payload_too_large') reply.header('connection', 'close');
          throw new HttpError(error.code === 'payload_too_large' ? 'payload_too_large' : 'bad_request', error.message);
        }
        throw error;
      }
    };

    const bulkRoute = {
      bodyLimit,
      config: { bodyTypes: BULK_TYPES, bodyEncodings: ['gzip'] },
      schema: {
        tags: ['elasticsearch'],
        summary: 'Store logs sent with the Elasticsearch bulk API',
        description: BULK_DESCRIPTION,
        querystring: BulkQuery,
      },
    };
    app.route({
      method: ['POST', 'PUT'],
      url: '/_bulk',
      ...bulkRoute,
      handler: (request, reply) => bulk(request, reply, undefined),
    });
    app.route({
      method: ['POST', 'PUT'],
      url: '/:index/_bulk',
      ...bulkRoute,
      schema: { ...bulkRoute.schema, params: Type.Object({ index: Type.String({ minLength: 1, maxLength: 255 }) }) },
      handler: (request, reply) => bulk(request, reply, (request.params as { index: string }).index),
    });
  };
}
