import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { EmbeddedLogStore } from '../../logs/embedded/embedded-log-store.js';
import { IngestBodyError, ingestBody } from '../../logs/ndjson/ingest-body.js';
import type { HttpContext } from '../context.js';
import { errorResponses, HttpError, success, successEnvelope } from '../envelope.js';

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'text/plain'];

const IngestResult = Type.Object({
  accepted: Type.Integer({ description: 'Documents stored' }),
  rejected: Type.Integer({ description: 'Lines that were not stored' }),
  errors: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() }), {
    description: 'The first rejected lines with their line numbers and reasons',
  }),
});

export interface IngestRouteOptions {
  /** Called after every successful ingest (the scheduler scans sooner). */
  onIngest?: (accepted: number) => void;
}

/**
 * POST /ingest: NDJSON log documents (gzip with Content-Encoding: gzip, or detected) into the
 * embedded store, one transaction per request, with its own size limit (INGEST_MAX_BYTES).
 */
export function ingestRoutes(ctx: HttpContext, options: IngestRouteOptions = {}): FastifyPluginAsyncTypebox {
  const bodyLimit = ctx.config.embedded.ingestMaxBytes;
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'buffer', bodyLimit }, (_request, body, done) => {
      done(null, body);
    });

    app.post(
      '/ingest',
      {
        bodyLimit,
        config: { bodyTypes: NDJSON_TYPES },
        schema: {
          tags: ['logs'],
          summary: 'Store NDJSON log documents in the embedded log store',
          description:
            'Body: one JSON log document per line (Content-Type application/x-ndjson; gzip with Content-Encoding: gzip). ' +
            'Every line is validated on its own: good lines are stored, bad ones are counted and the first are listed.',
          response: { 200: successEnvelope(IngestResult), ...errorResponses(400, 401, 409, 413, 415) },
        },
      },
      async (request) => {
        const source = await ctx.logSource();
        if (!(source instanceof EmbeddedLogStore)) {
          throw new HttpError(
            'conflict',
            'POST /ingest stores logs in the embedded store; LOG_SOURCE is elasticsearch',
          );
        }
        const gzip = String(request.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
        try {
          const result = await ingestBody(source, request.body as Buffer, { gzip, maxBytes: bodyLimit });
          ctx.events.publish({ type: 'ingest', data: { accepted: result.accepted, rejected: result.rejected } });
          if (result.accepted > 0) options.onIngest?.(result.accepted);
          return success(result);
        } catch (error) {
          if (error instanceof IngestBodyError) {
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
