import { type FormEvent, useState } from 'react';
import { token } from '../api/client.js';
import { useDashboard } from '../state.js';
import { Dialog } from './ui.js';

/** Asks for API_TOKEN when the API answers 401; the token stays in this tab's session storage. */
export function TokenPrompt() {
  const { setAuthRequired, refresh } = useDashboard();
  const [value, setValue] = useState('');
  const hadToken = token.get() !== null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) return;
    token.set(value.trim());
    setAuthRequired(false);
    refresh();
  };

  return (
    <Dialog title="API token required" onClose={() => undefined}>
      <form className="form" onSubmit={submit}>
        <p>
          This lagwatch is protected by <code>API_TOKEN</code>.{' '}
          {hadToken ? 'The token this tab used was refused; enter the current one.' : 'Enter it to open the dashboard.'}
        </p>
        <div className="field">
          <label htmlFor="api-token">API token</label>
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
            Unlock
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
