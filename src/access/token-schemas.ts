import Type, { type Static } from 'typebox';
import { Name } from '../rules/schemas.js';
import { SCOPES, type Scope } from './principal.js';
import type { ApiToken } from './token.js';

const ScopeSchema = Type.Unsafe<Scope>(
  Type.Union(
    SCOPES.map((scope) => Type.Literal(scope)),
    {
      description:
        'ingest: only the ingestion endpoints; read: every GET but /tokens; write: read plus rules, targets, silences; admin: everything',
    },
  ),
);

const IsoTime = (description: string) => Type.String({ format: 'date-time', description });
const OptionalTime = (description: string) => Type.Union([IsoTime(description), Type.Null()]);

export const TokenCreate = Type.Object(
  {
    name: Name('A unique name; the audit log names its changes token:<name>'),
    scope: ScopeSchema,
    expires: Type.Optional(
      Type.String({ maxLength: 32, description: 'Lifetime such as 90d, 12h or 30m (or expires_at)' }),
    ),
    expires_at: Type.Optional(IsoTime('When it expires (or expires); omit both for a token that never expires')),
  },
  { additionalProperties: false },
);
export type TokenCreate = Static<typeof TokenCreate>;

export const TokenOutput = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  scope: ScopeSchema,
  created_at: IsoTime('When it was created'),
  expires_at: OptionalTime('When it expires; null: never'),
  last_used_at: OptionalTime('Last use, to the minute; null: never used'),
  revoked_at: OptionalTime('When it was revoked; null: not revoked'),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
});

export const CreatedTokenOutput = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  scope: ScopeSchema,
  token: Type.String({ description: 'The secret: shown in this answer only, never again' }),
  created_at: IsoTime('When it was created'),
  expires_at: OptionalTime('When it expires; null: never'),
});

export const WhoamiOutput = Type.Object({
  actor: Type.String({
    description: 'token:<name>, api_token (API_TOKEN) or anonymous (no authentication configured)',
  }),
  scope: ScopeSchema,
  name: Type.Union([Type.String(), Type.Null()], { description: "The token's name; null for API_TOKEN and anonymous" }),
  expires_at: OptionalTime("The token's expiry; null: never, API_TOKEN and anonymous"),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function tokenStatus(token: ApiToken, now: number): 'active' | 'expired' | 'revoked' {
  if (token.revoked_at !== null) return 'revoked';
  return token.expires_at !== null && token.expires_at <= now ? 'expired' : 'active';
}

export function tokenOutput(token: ApiToken, now: number): Static<typeof TokenOutput> {
  return {
    id: token.id,
    name: token.name,
    scope: token.scope,
    created_at: new Date(token.created_at).toISOString(),
    expires_at: iso(token.expires_at),
    last_used_at: iso(token.last_used_at),
    revoked_at: iso(token.revoked_at),
    status: tokenStatus(token, now),
  };
}

export function createdTokenOutput(token: ApiToken, secret: string): Static<typeof CreatedTokenOutput> {
  return {
    id: token.id,
    name: token.name,
    scope: token.scope,
    token: secret,
    created_at: new Date(token.created_at).toISOString(),
    expires_at: iso(token.expires_at),
  };
}
