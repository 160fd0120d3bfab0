/**
 * What the access endpoints answer and accept (`/whoami`, `/tokens`, `/audit`), from the server's
 * own schemas and types (type-only imports: nothing of the server is bundled).
 */
import type { Static } from 'typebox';
import type { Scope } from '../../../src/access/principal.js';
import type { CreatedTokenOutput, TokenCreate, TokenOutput, WhoamiOutput } from '../../../src/access/token-schemas.js';
import type { AuditEntity, AuditEntry, AuditFilter } from '../../../src/audit/audit-log.js';

export type { AuditEntity, AuditEntry, Scope };

/** Scopes from least to most: each one may do what those before it may, `ingest` aside (it reads nothing). */
export const SCOPE_ORDER: readonly Scope[] = ['ingest', 'read', 'write', 'admin'];

/** Who this tab's token is: `actor` is what the audit log records for its changes. */
export type Whoami = Static<typeof WhoamiOutput>;
export type TokenRow = Static<typeof TokenOutput>;
export type TokenInput = Static<typeof TokenCreate>;
/** The answer to a create: the only one that holds the secret (`token`). */
export type CreatedToken = Static<typeof CreatedTokenOutput>;

/** The entities the audit log filter offers, in its order. */
export const AUDIT_ENTITIES: readonly AuditEntity[] = ['rule', 'target', 'silence', 'token'];

export type AuditQuery = Omit<AuditFilter, 'entity' | 'entity_id'> & {
  entity?: string;
  page?: number;
  per_page?: number;
};
