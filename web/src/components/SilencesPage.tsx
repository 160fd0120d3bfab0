import { useId, useState } from 'react';
import { useCan } from '../access.js';
import { api } from '../api/client.js';
import type { Silence } from '../api/types.js';
import { checkFields, SILENCE_FIELDS } from '../field-errors.js';
import { formatDateTime, formatRelative, formatTime } from '../format.js';
import { useDashboard, useResource } from '../state.js';
import { GeneralError, useApiForm, useRowActions } from './editing.js';
import { unseenAppWarning, useSeenApps } from './seen-apps.js';
import { TableHeader } from './TableHeader.js';
import { Badge, Card, Empty, ErrorNote, Field, Loading, Pager } from './ui.js';

const PER_PAGE = 50;
const DURATIONS = [
  { label: '30 minutes', minutes: 30 },
  { label: '1 hour', minutes: 60 },
  { label: '2 hours', minutes: 120 },
  { label: '1 day', minutes: 1440 },
  { label: '1 week', minutes: 10080 },
];

/** Silences: active and ended, create one, expire one. */
export function SilencesPage() {
  const [show, setShow] = useState<'active' | 'ended'>('active');
  const [page, setPage] = useState(1);
  const silences = useResource(
    (_range, signal) => api.silences.list({ active: show === 'active', page, per_page: PER_PAGE }, signal),
    [show, page],
    [],
    ['alerts', 'time'],
  );
  const { busy, actionError, act } = useRowActions(silences.reload);
  const canWrite = useCan('write');
  return (
    <div className="page">
      {canWrite && <NewSilence onSaved={silences.reload} />}
      <Card
        title="Silences"
        actions={
          <label className="inline-field">
            <span>Show</span>
            <select
              value={show}
              onChange={(e) => {
                setShow(e.target.value as 'active' | 'ended');
                setPage(1);
              }}
            >
              <option value="active">Active</option>
              <option value="ended">Ended and future</option>
            </select>
          </label>
        }
      >
        <ErrorNote error={silences.error ?? actionError} retry={silences.reload} />
        {!silences.data && silences.loading ? (
          <Loading />
        ) : !silences.data || silences.data.items.length === 0 ? (
          <Empty>
            {show === 'active'
              ? 'No active silence: every notification that is due goes out.'
              : 'No ended silence yet.'}
          </Empty>
        ) : (
          <>
            <div className="table-wrap">
              <table className="table" aria-label="Silences">
                <TableHeader
                  columns={['App / message key', 'Until', 'By', { label: 'Comment', className: 'hide-narrow' }, '']}
                />
                <tbody>
                  {silences.data.items.map((silence) => (
                    <SilenceRow
                      key={silence.id}
                      silence={silence}
                      busy={busy === silence.id}
                      expire={canWrite ? () => act(silence.id, () => api.silences.expire(silence.id)) : undefined}
                    />
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} perPage={PER_PAGE} total={silences.data.total} onPage={setPage} label="Silences" />
          </>
        )}
      </Card>
    </div>
  );
}

/** `expire`: absent without the write scope (no Expire button). */
function SilenceRow({ silence, busy, expire }: { silence: Silence; busy: boolean; expire?: () => void }) {
  return (
    <tr>
      <td>
        {silence.app_name}
        <div>
          {silence.message_key ? (
            <code className="small">{silence.message_key}</code>
          ) : (
            <span className="muted small">whole app</span>
          )}
        </div>
      </td>
      <td className="nowrap" title={formatDateTime(silence.ends_at)}>
        {formatTime(silence.ends_at)}
        <div className="muted small">{formatRelative(silence.ends_at)}</div>
      </td>
      <td className="small">{silence.created_by}</td>
      <td className="hide-narrow small">{silence.comment ?? ''}</td>
      <td>
        {silence.active ? (
          expire && (
            <button type="button" className="button button-small" disabled={busy} onClick={expire}>
              Expire
            </button>
          )
        ) : (
          <Badge tone="muted">ended</Badge>
        )}
      </td>
    </tr>
  );
}

function NewSilence({ onSaved }: { onSaved: () => void }) {
  // A chat's "Mute 1 h" link opens `#/silences?app=..&key=..&for=1h`: the form starts filled in,
  // and nothing is silenced until the user presses Silence.
  const { route } = useDashboard();
  const linked = route.app !== undefined || route.silenceMinutes !== undefined;
  const [form, setForm] = useState(() => ({
    app_name: route.app ?? '',
    message_key: route.key ?? '',
    minutes: String(route.silenceMinutes ?? 60),
    comment: '',
  }));
  const durations = DURATIONS.some((d) => String(d.minutes) === form.minutes)
    ? DURATIONS
    : [...DURATIONS, { label: `${form.minutes} minutes`, minutes: Number(form.minutes) }].sort(
        (a, b) => a.minutes - b.minutes,
      );
  const seen = useSeenApps();
  const appListId = useId();
  const { saving, submit, errorsOf, general } = useApiForm({
    specs: SILENCE_FIELDS,
    onSaved: () => {
      setForm({ app_name: '', message_key: '', minutes: '60', comment: '' });
      onSaved();
    },
  });
  const check = () =>
    checkFields(SILENCE_FIELDS, {
      app_name: form.app_name,
      message_key: form.message_key,
      duration_minutes: form.minutes,
      comment: form.comment,
    });
  const save = () =>
    api.silences.create({
      app_name: form.app_name.trim(),
      message_key: form.message_key.trim() === '' ? null : form.message_key.trim(),
      duration_minutes: Number(form.minutes),
      ...(form.comment.trim() ? { comment: form.comment.trim() } : {}),
    });
  return (
    <Card title="New silence">
      <form className="form" onSubmit={submit(check, save)} noValidate aria-label="New silence">
        <GeneralError message={general} />
        {linked && (
          <p className="note" data-testid="silence-prefilled">
            Filled in from a link: check the fields and press Silence to create it.
          </p>
        )}
        <datalist id={appListId}>
          {seen?.apps.map((app) => (
            <option key={app} value={app} />
          ))}
        </datalist>
        <div className="form-row">
          <Field label="App name" errors={errorsOf('app_name')} warning={unseenAppWarning(seen, form.app_name)}>
            {(props) => (
              <input
                {...props}
                name="app_name"
                list={appListId}
                value={form.app_name}
                autoComplete="off"
                onChange={(e) => setForm({ ...form, app_name: e.target.value })}
              />
            )}
          </Field>
          <Field label="Message key" errors={errorsOf('message_key')} hint="Empty: the whole app.">
            {(props) => (
              <input
                {...props}
                name="message_key"
                value={form.message_key}
                autoComplete="off"
                onChange={(e) => setForm({ ...form, message_key: e.target.value })}
              />
            )}
          </Field>
          <Field label="For" errors={errorsOf('duration_minutes')}>
            {(props) => (
              <select
                {...props}
                name="duration_minutes"
                value={form.minutes}
                onChange={(e) => setForm({ ...form, minutes: e.target.value })}
              >
                {durations.map((d) => (
                  <option key={d.minutes} value={d.minutes}>
                    {d.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field label="Comment" errors={errorsOf('comment')}>
          {(props) => (
            <input
              {...props}
              name="comment"
              value={form.comment}
              onChange={(e) => setForm({ ...form, comment: e.target.value })}
            />
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={saving}>
            Silence
          </button>
        </div>
      </form>
    </Card>
  );
}
