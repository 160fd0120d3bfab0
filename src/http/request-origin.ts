import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './envelope.js';

/** Paths a health probe may call under any Host (they change nothing and tell nothing). */
const ANY_HOST_PATHS: ReadonlySet<string> = new Set(['/health']);
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `localhost`, `*.localhost`, 127.0.0.0/8 and ::1: names a DNS answer cannot point elsewhere. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    name === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
}

/** The host name of a Host header (`name:port`, `[v6]:port`), lower case; undefined when malformed. */
export function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export interface OriginPolicy {
  /** PUBLIC_URL: its host is served, its origin may write. */
  publicUrl: string;
  /** CORS_ORIGINS: origins that may write. */
  corsOrigins: readonly string[];
}

/**
 * Without API_TOKEN, for requests not authenticated by a stored token (DNS rebinding and
 * cross-site requests): a request whose Host is
 * neither a loopback name nor PUBLIC_URL's host is refused, and so is a write whose Origin is
 * neither the request's own origin, PUBLIC_URL's nor one of CORS_ORIGINS. With a token the
 * token decides: a page cannot read or send it.
 */
export function installOriginChecks(app: FastifyInstance, policy: OriginPolicy): void {
  const publicUrl = new URL(policy.publicUrl);
  const publicHost = publicUrl.hostname.toLowerCase();
  const writers = new Set([publicUrl.origin, ...policy.corsOrigins.map(originOf)]);
  app.addHook('onRequest', (request, _reply, done) => {
    // A request the access check authenticated with a token: the token decides.
    if (request.principal !== undefined && request.principal.actor !== 'anonymous') return done();
    done(refusal(request, publicHost, writers));
  });
}

function originOf(text: string): string {
  try {
    return new URL(text).origin;
  } catch {
    return text;
  }
}

function refusal(request: FastifyRequest, publicHost: string, writers: ReadonlySet<string>): HttpError | undefined {
  const host = request.headers.host;
  if (host !== undefined && !ANY_HOST_PATHS.has(request.url.split('?')[0])) {
    const name = hostnameOf(host);
    if (name === undefined || (!isLoopbackName(name) && name !== publicHost)) {
      return new HttpError(
        'forbidden',
        `Host ${JSON.stringify(host.slice(0, 100))} is not served: without API_TOKEN only loopback names and the PUBLIC_URL host are (set PUBLIC_URL or API_TOKEN)`,
      );
    }
  }
  const origin = request.headers.origin;
  if (origin === undefined || SAFE_METHODS.has(request.method)) return undefined;
  if (
    writers.has(origin) ||
    (host !== undefined && origin.toLowerCase() === `${request.protocol}://${host}`.toLowerCase())
  ) {
    return undefined;
  }
  return new HttpError(
    'forbidden',
    `a ${request.method} from the page at ${JSON.stringify(origin.slice(0, 100))} is refused: without API_TOKEN only the same origin, PUBLIC_URL and CORS_ORIGINS may write`,
  );
}
