import Type, { type TSchema } from 'typebox';
import type { Problem } from '../validation/problems.js';

/** Machine-readable error codes; each maps to one HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  managed_by_file: 409,
  request_timeout: 408,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  validation_failed: 422,
  headers_too_large: 431,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export interface SuccessBody<T> {
  status: 'success';
  data: T;
}

export interface ErrorBody {
  status: 'error';
  error: { code: ErrorCode; message: string; details: Problem[] };
}

export function success<T>(data: T): SuccessBody<T> {
  return { status: 'success', data };
}

export function failure(code: ErrorCode, message: string, details: Problem[] = []): ErrorBody {
  return { status: 'error', error: { code, message, details } };
}

/** An error a handler throws on purpose; the error handler answers it as is. */
export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Problem[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get statusCode(): number {
    return ERROR_STATUS[this.code];
  }
}

// Schemas of the envelope, for response serialisation and the OpenAPI document.

export const ProblemSchema = Type.Object({
  field: Type.String({ description: 'Dotted path of the offending field; empty for the whole input' }),
  message: Type.String(),
});

export const ErrorEnvelope = Type.Object(
  {
    status: Type.Literal('error'),
    error: Type.Object({
      code: Type.String({ description: Object.keys(ERROR_STATUS).join(', ') }),
      message: Type.String(),
      details: Type.Array(ProblemSchema),
    }),
  },
  { description: 'Every error answer' },
);

export function successEnvelope<T extends TSchema>(data: T) {
  return Type.Object({ status: Type.Literal('success'), data });
}

export function pageOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ description: 'Items matching the filters, over all pages' }),
    page: Type.Integer(),
    per_page: Type.Integer(),
  });
}

/** The error answers every route may give, for the OpenAPI document. */
export function errorResponses<const S extends readonly number[]>(...statuses: S) {
  const out: Record<number, typeof ErrorEnvelope> = {};
  for (const status of statuses) out[status] = ErrorEnvelope;
  return out as { [K in S[number]]: typeof ErrorEnvelope };
}

/** The error envelope with what one status means on one route, for the OpenAPI document. */
export function describedError(description: string) {
  return Type.Object(ErrorEnvelope.properties, { description });
}

/** 409 of a change to a rule or target: a duplicate (`conflict`), or a rules file manages it. */
export const ManagedConflict = describedError(
  '`managed_by_file`: a rules file manages this rule or target (the message names the file; change it there), or `conflict`: a duplicate',
);
