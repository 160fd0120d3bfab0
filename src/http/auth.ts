import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../access/principal.js';
import { type AccessPolicy, accessFor, DEFAULT_ACCESS, type RouteAccess, scopeAllows } from '../access/route-access.js';
import type { TokenDirectory } from '../access/token-directory.js';
import { hashTokenSecret } from '../access/token-secret.js';
import { isWebAppPath } from '../web/serve.js';
import { HttpError } from './envelope.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

const BEARER = /^Bearer[ \t]+(.+)$/i;
/** What log shippers send: `ApiKey <token>`, `ApiKey base64(<id>:<token>)` (Beats and Logstash encode `id:key`), or Basic auth whose password is the token (any user name). */
const SHIPPER = /^(ApiKey|Basic)[ \t]+(\S+)$/i;

/**
 * True when the Authorization header carries `Bearer <token>`. Both sides are hashed first so
 * the comparison is constant-time and never depends on the token's length.
 */
export function bearerMatches(header: string | undefined, expectedDigest: Buffer): boolean {
  return presentedSecrets(header, false).some((secret) => sameDigest(secret, expectedDigest));
}

function sameDigest(secret: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(digest(secret), expectedDigest);
}

/**
 * The secrets an Authorization header may hold: the Bearer token; on ingestion routes also an
 * API key (as is, or the key of base64 `id:key`) or the Basic password.
 */
export function presentedSecrets(header: string | undefined, shipperForms: boolean): string[] {
  if (typeof header !== 'string') return [];
  const trimmed = header.trim();
  const bearer = BEARER.exec(trimmed);
  if (bearer) {
    const secret = bearer[1].trim();
    return secret ? [secret] : [];
  }
  const shipper = shipperForms ? SHIPPER.exec(trimmed) : null;
  if (!shipper) return [];
  const encoded = shipper[2];
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const afterColon = colon >= 0 ? decoded.slice(colon + 1) : '';
  const secrets = shipper[1].toLowerCase() === 'basic' ? [afterColon] : [encoded, afterColon];
  return secrets.filter((secret) => secret.length > 0);
}

const missing = (shipper: boolean) =>
  `missing token (Authorization: Bearer <token>${shipper ? ', ApiKey <token>, or Basic auth with the token as password' : ''})`;

/** The access a request's route declares (see route-access.ts); no route matched: any valid token. */
export function accessOf(request: FastifyRequest): RouteAccess {
  if (request.routeOptions.url === undefined) return 'authenticated';
  return request.routeOptions.config.access ?? DEFAULT_ACCESS;
}

export const ANONYMOUS: Principal = { actor: 'anonymous', scope: 'admin', tokenId: null };
const API_TOKEN_PRINCIPAL: Principal = { actor: 'api_token', scope: 'admin', tokenId: null };

export interface AccessCheckOptions {
  /** API_TOKEN: the admin token from the environment. */
  apiToken: string | undefined;
  tokens: TokenDirectory;
  now?: () => number;
}

/**
 * Authenticates every request but public routes and sets `request.principal`, then checks the
 * route's access against the principal's scope. Authentication is on when API_TOKEN is set or
 * at least one stored token is neither revoked nor expired; otherwise every request is the
 * anonymous admin (the Host and Origin checks of request-origin.ts then guard the API).
 */
export function installAccessCheck(app: FastifyInstance, options: AccessCheckOptions): void {
  const apiDigest = options.apiToken ? digest(options.apiToken) : undefined;
  const now = options.now ?? Date.now;

  /** The principal of the presented secrets; throws 401 (after setting WWW-Authenticate) when there is none. */
  async function authenticate(reply: FastifyReply, presented: string[], shipper: boolean): Promise<Principal> {
    // API_TOKEN needs no database read.
    if (apiDigest && presented.some((secret) => sameDigest(secret, apiDigest))) return API_TOKEN_PRINCIPAL;
    if (apiDigest && presented.length === 0) refuse(reply, missing(shipper));
    const snapshot = await options.tokens.current();
    const at = now();
    if (!apiDigest && !snapshot.anyLive(at)) return ANONYMOUS;
    for (const secret of presented) {
      const found = snapshot.lookup(hashTokenSecret(secret), at);
      if (found.status === 'valid') {
        options.tokens.noteUse(found.token.id, at);
        return { actor: `token:${found.token.name}`, scope: found.token.scope, tokenId: found.token.id };
      }
      if (found.status === 'revoked') refuse(reply, `the token ${found.token.name} was revoked`);
      if (found.status === 'expired') {
        const expiredAt = new Date(found.token.expires_at ?? at).toISOString();
        refuse(reply, `the token ${found.token.name} expired at ${expiredAt}`);
      }
    }
    refuse(
      reply,
      presented.length === 0 ? missing(shipper) : 'wrong token: it is neither API_TOKEN nor a token lagwatch issued',
    );
  }

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = accessOf(request);
    // The dashboard's own files hold no data; the page must load to ask for the token. A CORS
    // preflight carries no credentials.
    if (access === 'public' || request.method === 'OPTIONS' || isWebAppPath(request.url.split('?')[0])) return;
    // Shippers' forms on ingestion routes, and on unknown paths (a shipper's probe of its own).
    const shipper = access === 'ingest' || request.routeOptions.url === undefined;
    const principal = await authenticate(reply, presentedSecrets(request.headers.authorization, shipper), shipper);
    request.principal = principal;
    if (!scopeAllows(principal.scope, access)) {
      throw new HttpError(
        'forbidden',
        `this needs the ${access} scope; the token ${principal.actor.replace(/^token:/, '')} has ${principal.scope}`,
      );
    }
  });
}

function refuse(reply: FastifyReply, message: string): never {
  reply.header('www-authenticate', 'Bearer realm="lagwatch"');
  throw new HttpError('unauthorized', message);
}

/**
 * Registers routes in a scope of their own whose routes get `policy`'s access unless they
 * declare one (`config: { access }`).
 */
export async function registerWithAccess<I extends FastifyInstance>(
  app: I,
  policy: AccessPolicy,
  register: (scope: I) => Promise<unknown>,
): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      if (route.config?.access !== undefined) return;
      route.config = { ...route.config, access: accessFor(route.method, policy) };
    });
    await register(scope as unknown as I);
  });
}
