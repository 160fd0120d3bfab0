import { useRef, useState } from 'react';
import type { CreatedToken } from '../api/access-types.js';
import { formatDateTime } from '../format.js';
import { Card } from './ui.js';

/** The secret of the token just made: shown here once, never stored by the dashboard. */
export function NewSecret({ created, onDone }: { created: CreatedToken; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no'>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied('yes');
    } catch {
      // No clipboard API (a page served over plain http but not from localhost): select it for the user.
      input.current?.select();
      setCopied(document.execCommand('copy') ? 'yes' : 'no');
    }
  };
  return (
    <Card title={`Token ${created.name} created`}>
      <div className="note note-warn" role="alert">
        Copy this token now: it will not be shown again. lagwatch keeps only its hash.
      </div>
      <div className="secret-row">
        <input
          ref={input}
          className="secret"
          readOnly
          value={created.token}
          aria-label={`The secret of ${created.name}`}
          data-testid="new-secret"
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="button button-primary" onClick={copy}>
          Copy
        </button>
        <button type="button" className="button button-ghost" onClick={onDone}>
          Done
        </button>
      </div>
      {copied && (
        <p className="small" role="status">
          {copied === 'yes' ? 'Copied to the clipboard.' : 'Select the token and copy it by hand.'}
        </p>
      )}
      <p className="muted small">
        Scope {created.scope}; {created.expires_at ? `expires ${formatDateTime(created.expires_at)}` : 'never expires'}.
      </p>
    </Card>
  );
}
