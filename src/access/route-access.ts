import type { Scope } from './principal.js';

/**
 * What a route needs: a scope, `authenticated` (any valid token, whatever its scope), or
 * `public` (no token: `/health`, the dashboard's own files). A route declares it as
 * `config: { access }`; routes registered through `registerWithAccess` get their plugin's
 * default; a route that declares nothing needs `admin`, so a forgotten route fails closed.
 */
export type RouteAccess = Scope | 'authenticated' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** The access of a route that declares none. */
export const DEFAULT_ACCESS: RouteAccess = 'admin';

/**
 * Whether a token of `scope` may call a route that needs `access`. `admin` may do everything;
 * `write` includes `read`; `ingest` is apart: only the ingestion endpoints, and nobody else but
 * admin may ingest.
 */
export function scopeAllows(scope: Scope, access: RouteAccess): boolean {
  if (access === 'public' || access === 'authenticated' || scope === 'admin') return true;
  if (access === 'read') return scope === 'read' || scope === 'write';
  return access === scope;
}

/** The default access of a plugin's routes: one for reads (GET, HEAD), one for the others. */
export interface AccessPolicy {
  read: RouteAccess;
  write: RouteAccess;
}

export function accessFor(methods: string | readonly string[], policy: AccessPolicy): RouteAccess {
  const list = typeof methods === 'string' ? [methods] : methods;
  return list.every((method) => method === 'GET' || method === 'HEAD') ? policy.read : policy.write;
}
