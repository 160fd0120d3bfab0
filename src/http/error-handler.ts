import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, NotFoundError, ValidationError } from '../validation/problems.js';
import { type ErrorBody, type ErrorCode, failure, HttpError } from './envelope.js';
import { asStorageFailure, STORAGE_RETRY_AFTER_SECONDS, type StorageHealth } from './storage-health.js';

type MaybeFastifyError = Partial<FastifyError> & {
  validationContext?: string;
  statusCode?: number;
};

/** Fastify's own client errors, answered with a fixed message of ours. */
const FASTIFY_CLIENT_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'the request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: 'unsupported content type: send application/json',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'bad_request', message: 'the request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'bad_request',
    message: 'the request body is empty but its content type is application/json',
  },
  FST_ERR_BAD_URL: { code: 'bad_request', message: 'the URL is not valid (check its percent-encoding)' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri_too_long', message: 'a path parameter is too long' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'bad_request',
    message: 'the Content-Length header does not match the body',
  },
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'too_many_requests',
  503: 'unavailable',
};

/** What to answer for any error: status and envelope. Unexpected errors become `internal`. */
export function describeError(error: unknown): { statusCode: number; body: ErrorBody; unexpected: boolean } {
  const answer = (statusCode: number, body: ErrorBody) => ({ statusCode, body, unexpected: false });
  if (error instanceof HttpError) return answer(error.statusCode, failure(error.code, error.message, error.details));
  if (error instanceof ValidationError) {
    const part = (error as MaybeFastifyError).validationContext;
    if (part === undefined || part === 'body') {
      return answer(422, failure('validation_failed', 'the request body is invalid', error.problems));
    }
    const where = part === 'params' ? 'path' : part === 'querystring' ? 'query string' : part;
    return answer(400, failure('bad_request', `the ${where} is malformed`, error.problems));
  }
  if (error instanceof NotFoundError) return answer(404, failure('not_found', error.message));
  const storage = asStorageFailure(error);
  if (storage) return answer(503, failure('unavailable', `${storage.message}: try again later`));
  if (error instanceof ConflictError) return answer(409, failure(error.code, error.message));

  const e = (typeof error === 'object' && error !== null ? error : {}) as MaybeFastifyError;
  const known = e.code ? FASTIFY_CLIENT_ERRORS[e.code] : undefined;
  if (known) {
    const status = known.code === 'bad_request' ? 400 : e.statusCode && e.statusCode < 500 ? e.statusCode : 400;
    return answer(status, failure(known.code, known.message));
  }
  if (error instanceof SyntaxError && e.statusCode === 400) {
    return answer(400, failure('bad_request', 'the request body is not valid JSON'));
  }
  if (Array.isArray(e.validation)) {
    // A route validated by Fastify's default (ajv) compiler.
    const details = e.validation.map((v) => ({
      field: String(v.instancePath ?? '')
        .replace(/^\//, '')
        .replace(/\//g, '.'),
      message: String(v.message ?? 'is invalid'),
    }));
    return e.validationContext === 'body'
      ? answer(422, failure('validation_failed', 'the request body is invalid', details))
      : answer(400, failure('bad_request', 'the request is malformed', details));
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return answer(e.statusCode, failure(STATUS_CODES[e.statusCode] ?? 'bad_request', clientMessage(e)));
  }
  if (e.statusCode === 503) return answer(503, failure('unavailable', 'the service is unavailable'));
  return { statusCode: 500, body: failure('internal', 'internal error'), unexpected: true };
}

function clientMessage(error: MaybeFastifyError): string {
  // Fastify's client-error messages are fixed texts; keep them short and single-line.
  const message = typeof error.message === 'string' ? error.message.split('\n')[0].slice(0, 200) : '';
  return message || 'bad request';
}

/** For Fastify's `frameworkErrors` option: URL errors found before routing, in the envelope. */
export function answerFrameworkError(error: unknown, _request: FastifyRequest, reply: FastifyReply): void {
  const { statusCode, body } = describeError(error);
  reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

/** Route config key: the content types a route's body takes (default: JSON). */
export interface BodyTypesConfig {
  bodyTypes?: readonly string[];
}

/** 415 says which type was sent and which the route takes. */
function unsupportedTypeMessage(request: FastifyRequest): string {
  const sent =
    String(request.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .slice(0, 80) || 'none';
  const takes = (request.routeOptions.config as BodyTypesConfig | undefined)?.bodyTypes ?? ['application/json'];
  return `unsupported content type ${sent}: ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]} takes ${takes.join(', ')}`;
}

export function installErrorHandling(app: FastifyInstance, storageHealth?: StorageHealth): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { statusCode, body, unexpected } = describeError(error);
    const storage = asStorageFailure(error);
    if (storage) {
      storageHealth?.failed(storage);
      reply.header('retry-after', String(STORAGE_RETRY_AFTER_SECONDS));
    }
    if ((error as MaybeFastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      body.error.message = unsupportedTypeMessage(request);
    }
    if (unexpected) {
      request.log.error({ err: error }, 'unexpected error while handling the request');
    } else if (statusCode >= 500) {
      request.log.warn({ err: error }, 'service unavailable');
    }
    return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    return reply
      .code(404)
      .type('application/json; charset=utf-8')
      .send(failure('not_found', `no route for ${request.method} ${request.url.split('?')[0].slice(0, 200)}`));
  });
}
