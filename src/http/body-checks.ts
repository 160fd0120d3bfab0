import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './envelope.js';

/** Route config key: the Content-Encodings a route's body may come in besides none (default: none). */
export interface BodyEncodingsConfig {
  bodyEncodings?: readonly string[];
}

/** The body's Content-Encoding, lower case, with x-gzip read as gzip; `identity` when there is none. */
export function bodyEncodingOf(header: string | string[] | undefined): string {
  const value = (Array.isArray(header) ? header.join(', ') : (header ?? '')).trim().toLowerCase();
  if (value === '') return 'identity';
  return value === 'x-gzip' ? 'gzip' : value;
}

/** The charset parameter of a Content-Type when it is not UTF-8 (or its ASCII subset), else undefined. */
export function nonUtf8Charset(contentType: string | undefined): string | undefined {
  if (typeof contentType !== 'string') return undefined;
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType)?.[1];
  return charset !== undefined && !/^(utf-?8|us-ascii)$/i.test(charset) ? charset : undefined;
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Before any body is read: bodies lagwatch reads are UTF-8 (JSON: RFC 8259; NDJSON likewise), and
 * come unencoded or in an encoding the route names (POST /ingest: gzip). Anything else is 415
 * rather than read as plain text: a deflate, brotli or twice-gzipped body would otherwise turn
 * into garbage lines or "not valid JSON".
 */
export function installBodyChecks(app: FastifyInstance): void {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    if (!hasBody(request)) return done(null, payload);
    const charset = nonUtf8Charset(request.headers['content-type']);
    if (charset !== undefined) {
      return done(
        new HttpError('unsupported_media_type', `request bodies must be UTF-8, not charset ${charset.slice(0, 40)}`),
      );
    }
    const encoding = bodyEncodingOf(request.headers['content-encoding']);
    const allowed = (request.routeOptions.config as BodyEncodingsConfig | undefined)?.bodyEncodings ?? [];
    if (encoding === 'identity' || allowed.includes(encoding)) return done(null, payload);
    const takes = allowed.length > 0 ? `${allowed.join(', ')} or none` : 'none';
    done(
      new HttpError(
        'unsupported_media_type',
        `unsupported Content-Encoding ${encoding.slice(0, 40)}: ${request.method} ${request.routeOptions.url ?? ''} takes ${takes}`,
      ),
    );
  });
}
