/**
 * What the access endpoints answer and accept: `/whoami`, `/tokens` and `/audit`.
 */
import type { Scope } from '../../../src/access/principal.js';

export type { Scope };

/** Scopes from least to most: each one may do what those before it may, `ingest` aside (it reads nothing). */
export const SCOPE_ORDER: readonly Scope[] = ['ingest', 'read', 'write', 'admin'];

export interface Whoami {
  /** `token:<name>`, `api_token`, `anonymous`: what the audit log records for this tab's changes. */
  actor: string;
  scope: Scope;
  /** The stored token's name; null for API_TOKEN and without tokens. */
  name: string | null;
  expires_at: string | null;
}

export interface TokenRow {
  id: number;
  name: string;
  scope: Scope;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface TokenInput {
  name: string;
  scope: Scope;
  /** `90d`, `12h`; absent: never expires. */
  expires?: string;
}

export interface CreatedToken {
  id: number;
  name: string;
  scope: Scope;
  /** The secret: in this answer only. */
  token: string;
  created_at: string;
  expires_at: string | null;
}

export const AUDIT_ENTITIES = ['rule', 'target', 'silence', 'token'] as const;
export type AuditEntity = (typeof AUDIT_ENTITIES)[number];

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: 'create' | 'update' | 'delete';
  entity: AuditEntity;
  /** A rule's carries its kind: `app:3`, `latency:12`. */
  entity_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface AuditQuery {
  entity?: string;
  actor?: string;
  page?: number;
  per_page?: number;
}
