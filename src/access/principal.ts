import type { FastifyRequest } from 'fastify';

/**
 * Scopes, from least to most: `ingest` only the ingestion endpoints; `read` every GET but
 * `/tokens`; `write` read plus rules, targets and silences; `admin` everything.
 */
export const SCOPES = ['ingest', 'read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who made a request, as the audit log names them, and what they may do. */
export interface Principal {
  /** `token:<name>`, `api_token` (API_TOKEN), `anonymous` (no tokens), `telegram:@user`, `cli`, `file:<path>`. */
  actor: string;
  scope: Scope;
  /** The stored token's id, or null for API_TOKEN and anonymous. */
  tokenId: number | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the access check before any handler runs. */
    principal?: Principal;
  }
}

/** The audit log's actor of a request. */
export function actorOf(request: FastifyRequest): string {
  return request.principal?.actor ?? 'anonymous';
}

/** The actor of changes made by CLI commands. */
export const CLI_ACTOR = 'cli';
