import { useState } from 'react';
import { useCan } from '../access.js';
import { coveringSilence, noteSilenceChanged, useActiveSilences } from '../active-silences.js';
import { type ApiError, api } from '../api/client.js';
import type { Silence } from '../api/types.js';
import { useNow, useRelativeNow } from '../clock.js';
import { formatDateTime, formatRelative, formatTime } from '../format.js';
import { SILENCE_DURATIONS } from '../silence-durations.js';
import { BreakableKey } from './BreakableKey.js';
import { Dialog, Field } from './ui.js';

export interface MuteTarget {
  app: string;
  /**
   * The key a silence must name to hold this row's notifications back: a message rule's key (or a
   * window rule's); null for an app rule, whose notifications only a whole-app silence holds back.
   */
  notificationKey: string | null;
  /** The key the row shows (an app rule's violation has one too), offered as a scope of its own. */
  shownKey: string | null;
}

/**
 * "Mute…" on a violation or alert row. It asks what to mute (only this key, or the whole app) and
 * for how long, names both before anything is created, then offers Undo in place. A row whose
 * notifications an active silence holds back says "muted until …" with Unmute (DELETE
 * /silences/{id}). Without the write scope it only says so, with no button.
 */
export function MuteButton(target: MuteTarget) {
  const canWrite = useCan('write');
  const silences = useActiveSilences();
  const [asking, setAsking] = useState(false);
  const [made, setMade] = useState<Silence>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  // Ticks so "(in 59 min)" stays true, and the row offers Mute again once the silence ended.
  const now = useRelativeNow(made?.ends_at, ...(silences ?? []).map((s) => s.ends_at));
  const madeHere = made && Date.parse(made.ends_at) > now ? made : undefined;
  const shown = madeHere ?? coveringSilence(silences, target.app, target.notificationKey, now);

  const unmute = async (silence: Silence) => {
    setBusy(true);
    setError(undefined);
    try {
      noteSilenceChanged(await api.silences.expire(silence.id));
      setMade(undefined);
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="mute-cell">
      {shown ? (
        <span className="muted-note" data-testid="muted-note" title={silenceTitle(shown)}>
          <span>
            muted {shown.message_key === null ? 'whole app' : 'key'} until{' '}
            <time dateTime={shown.ends_at}>{formatTime(shown.ends_at)}</time> ({formatRelative(shown.ends_at, now)})
          </span>
          {canWrite && (
            <button
              type="button"
              className="button button-ghost button-small"
              disabled={busy}
              aria-label={`${shown === madeHere ? 'Undo: unmute' : 'Unmute'} ${scopeWords(shown.app_name, shown.message_key)}`}
              onClick={() => unmute(shown)}
            >
              {shown === madeHere ? 'Undo' : 'Unmute'}
            </button>
          )}
        </span>
      ) : (
        canWrite && (
          <button
            type="button"
            className="button button-ghost button-small"
            aria-haspopup="dialog"
            aria-label={`Mute ${scopeWords(target.app, target.shownKey)}…`}
            onClick={() => setAsking(true)}
          >
            Mute…
          </button>
        )
      )}
      {error && <span className="text-bad small"> {error.message}</span>}
      {asking && (
        <MuteDialog
          target={target}
          onClose={() => setAsking(false)}
          onMuted={(silence) => {
            setMade(silence);
            setAsking(false);
            noteSilenceChanged(silence);
          }}
        />
      )}
    </span>
  );
}

const scopeWords = (app: string, key: string | null) => (key === null ? app : `${app} / ${key}`);

function silenceTitle(silence: Silence): string {
  return `Silence #${silence.id} of ${scopeWords(silence.app_name, silence.message_key)} by ${silence.created_by}, until ${formatDateTime(silence.ends_at)}`;
}

/** The question before a silence is made: which scope, how long, and what that holds back until when. */
function MuteDialog({
  target,
  onClose,
  onMuted,
}: {
  target: MuteTarget;
  onClose: () => void;
  onMuted: (silence: Silence) => void;
}) {
  const key = target.notificationKey ?? target.shownKey;
  const [scope, setScope] = useState<'key' | 'app'>(target.notificationKey !== null ? 'key' : 'app');
  const [minutes, setMinutes] = useState(60);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError>();
  const now = useNow();
  const until = now + minutes * 60_000;
  const chosenKey = scope === 'key' ? key : null;
  // An app rule's row: a key silence holds back message rules on that key, not this row's rule.
  const keyMissesThisRule = key !== null && target.notificationKey === null;

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      onMuted(await api.silences.create({ app_name: target.app, message_key: chosenKey, duration_minutes: minutes }));
    } catch (caught) {
      setError(caught as ApiError);
      setSaving(false);
    }
  };

  return (
    <Dialog title="Mute notifications" onClose={onClose}>
      <form
        className="form mute-form"
        aria-label="Mute notifications"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <fieldset className="field">
          <legend>What to mute</legend>
          {key !== null && (
            <label className="check mute-scope">
              <input type="radio" name="scope" value="key" checked={scope === 'key'} onChange={() => setScope('key')} />
              <span>
                Only this key: <strong>{target.app}</strong> / <BreakableKey value={key} />
                {keyMissesThisRule && (
                  <span className="field-hint mute-scope-note" data-testid="mute-key-note">
                    This row's app rule judges every key of the app: only muting the whole app holds its notifications
                    back. A key silence holds back message rules on this key.
                  </span>
                )}
              </span>
            </label>
          )}
          <label className="check mute-scope">
            <input type="radio" name="scope" value="app" checked={scope === 'app'} onChange={() => setScope('app')} />
            <span>
              The whole app: <strong>{target.app}</strong> (every rule, every key)
            </span>
          </label>
        </fieldset>
        <Field label="For">
          {(props) => (
            <select
              {...props}
              name="duration_minutes"
              value={minutes}
              onChange={(e) => setMinutes(Number(e.target.value))}
            >
              {SILENCE_DURATIONS.map((d) => (
                <option key={d.minutes} value={d.minutes}>
                  {d.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <p className="note" data-testid="mute-summary">
          Notifications of {scopeWords(target.app, chosenKey)}
          {chosenKey === null ? ' (the whole app)' : ''} are held back until {formatTime(until)} (
          {formatRelative(until, now)}). Violations are still recorded; Undo ends it.
        </p>
        {error && (
          <p className="note note-error" role="alert">
            {error.message}
          </p>
        )}
        <footer className="form-actions">
          <button type="button" className="button button-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={saving}>
            {chosenKey === null ? 'Mute the app' : 'Mute this key'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
