import type { Scope } from './principal.js';

/** A token as lists show it: never its secret nor its hash. Times are epoch ms. */
export interface ApiToken {
  id: number;
  name: string;
  scope: Scope;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}
