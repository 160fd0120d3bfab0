import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { type CreatedToken, SCOPE_ORDER, type Scope, type Whoami } from './api/access-types.js';
import { ApiError, api, token } from './api/client.js';
import { useDashboard } from './state.js';

/**
 * Who this tab is signed in as, from `GET /whoami`, and what that lets the dashboard show. Every
 * control that changes something asks `useCan('write')` (or `'admin'`), so what a scope sees is
 * decided here and nowhere else. Until the answer arrives nothing editable shows.
 */
interface Access {
  /** Undefined until `/whoami` answered. */
  who: Whoami | undefined;
  /** Keeps the token for this tab (session storage) and asks who it is. */
  signIn(secret: string): void;
  /** Forgets the token; the prompt shows until another one is entered. */
  signOut(): void;
  /** True when this tab holds a token of its own (so it can sign out). */
  hasToken: boolean;
  /**
   * The token just made, with its secret, until the user is done with it. Kept here, not on the
   * Tokens page: the first token switches authentication on, the page gives way to the sign-in
   * prompt, and the prompt must still show the secret.
   */
  created: CreatedToken | undefined;
  showCreated(created: CreatedToken | undefined): void;
}

const Context = createContext<Access | undefined>(undefined);

/** A server from before scoped tokens has no `/whoami`: everything was open to whoever got in. */
const BEFORE_SCOPES: Whoami = { actor: 'anonymous', scope: 'admin', name: null, expires_at: null };

export function AccessProvider({ children }: { children: ReactNode }) {
  const { authRequired, setAuthRequired, refresh, version } = useDashboard();
  const [who, setWho] = useState<Whoami>();
  const [session, setSession] = useState(0);
  const [failed, setFailed] = useState(false);
  const [created, showCreated] = useState<CreatedToken>();

  // Asked again after a sign-in, and after each refresh while the last attempt failed (offline).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `session` names a new token; `version` retries a failure
  useEffect(() => {
    if (authRequired) return;
    const controller = new AbortController();
    api.whoami(controller.signal).then(
      (answer) => {
        setFailed(false);
        setWho(answer);
        if (answer.scope === 'ingest') setAuthRequired(true, { kind: 'ingest' });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 404) return setWho(BEFORE_SCOPES);
        // An ingest token may be refused even here: it reads nothing.
        if (error instanceof ApiError && error.status === 403) return setAuthRequired(true, { kind: 'ingest' });
        setFailed(true);
      },
    );
    return () => controller.abort();
  }, [authRequired, session, failed ? version : 0]);

  const signIn = useCallback(
    (secret: string) => {
      token.set(secret);
      setWho(undefined);
      setSession((s) => s + 1);
      setAuthRequired(false);
      refresh();
    },
    [setAuthRequired, refresh],
  );

  const signOut = useCallback(() => {
    token.clear();
    setWho(undefined);
    showCreated(undefined);
    setAuthRequired(true, { kind: 'signed-out' });
  }, [setAuthRequired]);

  const hasToken = token.get() !== null;
  const value = useMemo(
    () => ({ who, signIn, signOut, hasToken, created, showCreated }),
    [who, signIn, signOut, hasToken, created],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useAccess(): Access {
  const access = useContext(Context);
  if (!access) throw new Error('useAccess outside AccessProvider');
  return access;
}

/** Whether this tab's token has `scope` or more: the one question every edit control asks. */
export function useCan(scope: Scope): boolean {
  const { who } = useAccess();
  return who !== undefined && who.scope !== 'ingest' && SCOPE_ORDER.indexOf(who.scope) >= SCOPE_ORDER.indexOf(scope);
}
