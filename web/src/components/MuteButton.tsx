import { useState } from 'react';
import { useCan } from '../access.js';
import { type ApiError, api } from '../api/client.js';

/**
 * "Mute 1 h" on a violation or alert row: silences the row's app (and message key) for an hour,
 * as the Telegram button does. The row stays; later notifications are recorded as silenced.
 * Nothing shows without the write scope.
 */
export function MuteButton({ app, messageKey }: { app: string; messageKey: string | null }) {
  const [state, setState] = useState<'idle' | 'busy' | 'done'>('idle');
  const [error, setError] = useState<ApiError>();
  const canWrite = useCan('write');
  const what = messageKey ? `${app} / ${messageKey}` : app;
  if (!canWrite) return null;
  if (state === 'done') return <span className="muted small">muted 1 h</span>;
  return (
    <>
      <button
        type="button"
        className="button button-ghost button-small"
        disabled={state === 'busy'}
        aria-label={`Mute 1 h: ${what}`}
        title={`Hold back notifications of ${what} for an hour (violations are still recorded)`}
        onClick={async () => {
          setState('busy');
          setError(undefined);
          try {
            await api.silences.create({ app_name: app, message_key: messageKey, duration_minutes: 60 });
            setState('done');
          } catch (caught) {
            setError(caught as ApiError);
            setState('idle');
          }
        }}
      >
        Mute 1 h
      </button>
      {error && <span className="text-bad small"> {error.message}</span>}
    </>
  );
}
