import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type ErrorCode, failure } from './envelope.js';

/** What Node's HTTP parser refused, before any route saw the request. */
function describeClientError(code: string | undefined): { status: number; code: ErrorCode; message: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, code: 'request_timeout', message: 'the request did not arrive in time' };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, code: 'headers_too_large', message: 'the request headers are too large' };
  }
  return { status: 400, code: 'bad_request', message: 'the request is not valid HTTP/1.1' };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * For Fastify's `clientErrorHandler`: errors of Node's HTTP parser (a malformed request line,
 * headers too large, a request timeout) answered in the JSON envelope, then the socket closed.
 */
export function answerClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, message } = describeClientError(error.code);
  this.log.debug({ err: error }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(failure(code, message));
    socket.write(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
