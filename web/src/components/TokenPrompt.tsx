import { type FormEvent, useState } from 'react';
import { useAccess } from '../access.js';
import { token } from '../api/client.js';
import { type AuthReason, useDashboard } from '../state.js';
import { NewSecret } from './NewSecret.js';
import { Dialog } from './ui.js';

/** Why the prompt shows, in words: the first thing it says. */
function reasonWords(reason: AuthReason | undefined, hadToken: boolean): string {
  switch (reason?.kind) {
    case 'ingest':
      return 'That is an ingest token: it can send logs to lagwatch but cannot read the dashboard. Sign in with a read, write or admin token.';
    case 'signed-out':
      return 'Signed out. Enter a token to open the dashboard again.';
    default:
      return hadToken
        ? `The token this tab used was refused${reason?.message ? ` (${reason.message})` : ''}. Enter a current one.`
        : 'This lagwatch needs an access token: enter yours (API_TOKEN or one made with token:create) to open the dashboard.';
  }
}

/** Asks for a token when the API answers 401, after a sign-out, or for a token that cannot read. */
export function TokenPrompt() {
  const { authReason } = useDashboard();
  const { signIn, created, showCreated } = useAccess();
  const [value, setValue] = useState('');
  const hadToken = token.get() !== null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) signIn(value.trim());
  };

  return (
    <Dialog title="Sign in to lagwatch" onClose={() => undefined}>
      {created && (
        <>
          <p>With its first token lagwatch now asks every request for one: copy the new token before signing in.</p>
          <NewSecret created={created} onDone={() => showCreated(undefined)} />
        </>
      )}
      <form className="form" onSubmit={submit}>
        <p role="status" data-testid="sign-in-reason">
          {reasonWords(authReason, hadToken)}
        </p>
        <div className="field">
          <label htmlFor="api-token">Access token</label>
          <input
            id="api-token"
            type="password"
            autoComplete="current-password"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoFocus
          />
          <p className="field-hint">Kept in this browser tab only (session storage) and sent as a bearer token.</p>
        </div>
        <footer className="form-actions">
          <button type="submit" className="button button-primary">
            Sign in
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
