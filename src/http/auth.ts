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

/** Paths of the ingestion routes, where shippers may also send the token as an API key or Basic password. */
const SHIPPER_AUTH_PREFIX = '/elasticsearch';

/**
 * What log shippers send: `ApiKey <token>`, `ApiKey base64(<id>:<token>)` (Beats and Logstash
 * encode `id:key`), or Basic auth whose password is the token (any user name).
 */
export function shipperCredentialMatches(header: string | undefined, expectedDigest: Buffer): boolean {
  if (typeof header !== 'string') return false;
  const match = /^(ApiKey|Basic)[ \t]+(\S+)$/i.exec(header.trim());
  if (!match) return false;
  const presented = match[2];
  const decoded = Buffer.from(presented, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const secret = colon >= 0 ? decoded.slice(colon + 1) : '';
  const same = (value: string) => value.length > 0 && timingSafeEqual(digest(value), expectedDigest);
  if (match[1].toLowerCase() === 'basic') return same(secret);
  return same(presented) || same(secret);
}

/** Requires `Authorization: Bearer <token>` on every request but PUBLIC_PATHS when a token is set. */
export function installBearerAuth(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined || token === '') return;
  const expected = digest(token);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    // The dashboard's own files hold no data; the page must load to ask for the token.
    if (PUBLIC_PATHS.has(path) || isWebAppPath(path)) return;
    const shipper = path === SHIPPER_AUTH_PREFIX || path.startsWith(`${SHIPPER_AUTH_PREFIX}/`);
    if (shipper && shipperCredentialMatches(request.headers.authorization, expected)) return;
    if (!bearerMatches(request.headers.authorization, expected)) {
      reply.header('www-authenticate', 'Bearer realm="lagwatch"');
      throw new HttpError('unauthorized', 'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)');
    }
  });
}
