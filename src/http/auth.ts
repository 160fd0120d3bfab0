import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isWebAppPath } from '../web/serve.js';
import { HttpError } from './envelope.js';

/** Paths anyone may call even when API_TOKEN is set. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health']);

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * True when the Authorization header carries `Bearer <token>`. Both sides are hashed first so
 * the comparison is constant-time and never depends on the token's length.
 */
export function bearerMatches(header: string | undefined, expectedDigest: Buffer): boolean {
  if (typeof header !== 'string') return false;
  const match = /^Bearer[ \t]+(.+)$/i.exec(header.trim());
  const presented = match ? match[1].trim() : '';
  return timingSafeEqual(digest(presented), expectedDigest) && presented.length > 0;
}

/** Requires `Authorization: Bearer <token>` on every request but PUBLIC_PATHS when a token is set. */
export function installBearerAuth(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined || token === '') return;
  const expected = digest(token);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    // The dashboard's own files hold no data; the page must load to ask for the token.
    if (PUBLIC_PATHS.has(path) || isWebAppPath(path)) return;
    if (!bearerMatches(request.headers.authorization, expected)) {
      reply.header('www-authenticate', 'Bearer realm="lagwatch"');
      throw new HttpError('unauthorized', 'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)');
    }
  });
}
