import { useId, useState } from 'react';
import { useCan } from '../access.js';
import { refreshActiveSilences } from '../active-silences.js';
import { api } from '../api/client.js';
import type { Silence } from '../api/types.js';
import { useRelativeNow } from '../clock.js';
import { checkFields, SILENCE_FIELDS } from '../field-errors.js';
import { formatDateTime, formatTime } from '../format.js';
import { SILENCE_DURATIONS } from '../silence-durations.js';
import { silencePhase, silenceWhen } from '../silence-when.js';
import { useDashboard, useResource } from '../state.js';
import { pastTheEnd, queryParam, unreadable } from '../url-problems.js';
import { BreakableKey } from './BreakableKey.js';
import { GeneralError, useApiForm, useRowActions } from './editing.js';
import { answered, ResourceNote } from './ResourceNote.js';
import { unseenAppWarning, useSeenApps } from './seen-apps.js';
import { TableHeader } from './TableHeader.js';
import { UrlNotice } from './UrlNotice.js';
import { Badge, Card, Empty, Field, Loading, Pager } from './ui.js';

const PER_PAGE = 50;
/** Every active silence is listed (they are few); more than this would be a page of its own. */
const ACTIVE_LIMIT = 500;
const COLUMN_COUNT = 5;

/**
 * Silences: the active ones first (soonest to end first), then the ended and future ones (newest
 * first, paged); create one, expire one. The form comes after the list, unless a link filled it in.
 */
export function SilencesPage() {
  const { route, setView } = useDashboard();
  // The page of the ended and future silences lives in the URL (`page`), as on the other lists.
  const page = route.pageNumber ?? 1;
  const active = useResource(
    (_range, signal) => api.silences.list({ active: true, per_page: ACTIVE_LIMIT }, signal),
    [],
    [],
    ['alerts', 'time'],
  );
  const others = useResource(
    (_range, signal) => api.silences.list({ active: false, page, per_page: PER_PAGE }, signal),
    [page],
    [],
    ['time'],
  );
  const reload = () => {
    active.reload();
    others.reload();
    void refreshActiveSilences();
  };
  const { busy, actionError, act } = useRowActions(reload);
  const canWrite = useCan('write');
  const linked = route.app !== undefined || route.silenceMinutes !== undefined;
  const form = canWrite && <NewSilence onSaved={reload} />;
  const activeItems = active.data
    ? [...active.data.items].sort((a, b) => Date.parse(a.ends_at) - Date.parse(b.ends_at) || a.id - b.id)
    : undefined;
  const expire = (silence: Silence) =>
    canWrite && silence.active ? () => act(silence.id, () => api.silences.expire(silence.id)) : undefined;
  return (
    <div className="page">
      <UrlNotice
        problems={[
          unreadable(
            'id',
            queryParam(window.location.hash, 'id'),
            route.incidentId !== undefined,
            'a silence number',
            'every silence',
          ),
          others.data && pastTheEnd(page, PER_PAGE, others.data.total),
          unreadable(
            'for',
            queryParam(window.location.hash, 'for'),
            route.silenceMinutes !== undefined,
            'a duration (30m, 1h, 1d; at most a year)',
            '1 hour in the form',
          ),
        ]}
      />
      {route.incidentId !== undefined && <LinkedSilence id={route.incidentId} />}
      {linked && form}
      <Card title="Silences">
        <ResourceNote resource={{ ...(active.error ? active : others), reload }} actionError={actionError} />
        {!activeItems ? (
          active.error ? null : (
            <Loading />
          )
        ) : (
          <>
            {activeItems.length === 0 && answered(active) && (
              <Empty>No active silence: every notification that is due goes out.</Empty>
            )}
            <div className="table-wrap">
              <table className="table silence-table" aria-label="Silences">
                <TableHeader
                  columns={['App / message key', 'Until', 'By', { label: 'Comment', className: 'hide-narrow' }, '']}
                />
                <SilenceGroup
                  heading={`Active (${activeItems?.length ?? 0})`}
                  testId="silences-active"
                  items={activeItems ?? []}
                  busy={busy}
                  expire={expire}
                />
                <SilenceGroup
                  heading={`Ended and future (${others.data?.total ?? '…'})`}
                  testId="silences-other"
                  items={others.data?.items ?? []}
                  busy={busy}
                  expire={expire}
                />
              </table>
            </div>
            {others.data?.total === 0 && answered(others) && <Empty>No ended silence yet.</Empty>}
            {others.data && (
              <Pager
                page={page}
                perPage={PER_PAGE}
                total={others.data.total}
                onPage={(next) => setView({ pageNumber: next > 1 ? next : undefined })}
                label="Ended silences"
              />
            )}
          </>
        )}
      </Card>
      {!linked && form}
    </div>
  );
}

/**
 * The silence a link names (`#/silences?id=7`, from an alert-log row it held back): shown on its
 * own above the list, whichever group or page of the list holds it.
 */
function LinkedSilence({ id }: { id: number }) {
  const silence = useResource((_range, signal) => api.silences.get(id, signal), [id], [], ['time']);
  return (
    <Card title={`Silence #${id}`}>
      <ResourceNote resource={silence} />
      {silence.data ? (
        <div className="table-wrap" data-testid="linked-silence">
          <table className="table silence-table" aria-label={`Silence #${id}`}>
            <TableHeader
              columns={['App / message key', 'Until', 'By', { label: 'Comment', className: 'hide-narrow' }, '']}
            />
            <tbody>
              <SilenceRow silence={silence.data} busy={false} />
            </tbody>
          </table>
        </div>
      ) : (
        !silence.error && <Loading />
      )}
    </Card>
  );
}

/** A group of silences under its heading row, in the one table so the columns line up. */
function SilenceGroup({
  heading,
  testId,
  items,
  busy,
  expire,
}: {
  heading: string;
  testId: string;
  items: Silence[];
  busy: number | undefined;
  expire: (silence: Silence) => (() => void) | undefined;
}) {
  if (items.length === 0) return null;
  return (
    <tbody data-testid={testId}>
      <tr className="group-row">
        <th scope="colgroup" colSpan={COLUMN_COUNT}>
          {heading}
        </th>
      </tr>
      {items.map((silence) => (
        <SilenceRow key={silence.id} silence={silence} busy={busy === silence.id} expire={expire(silence)} />
      ))}
    </tbody>
  );
}

/** `expire`: absent without the write scope, or for a silence not in force (no Expire button). */
function SilenceRow({ silence, busy, expire }: { silence: Silence; busy: boolean; expire?: () => void }) {
  const now = useRelativeNow(silence.starts_at, silence.ends_at);
  // The fetched `active` may be stale (the list is read again later): the words follow the clock.
  const phase = silencePhase(silence, now);
  return (
    <tr data-silence-id={silence.id}>
      <td>
        {silence.app_name}
        <div>
          {silence.message_key ? (
            <BreakableKey value={silence.message_key} className="small" />
          ) : (
            <span className="muted small">whole app</span>
          )}
        </div>
      </td>
      <td className="nowrap" title={formatDateTime(silence.ends_at)}>
        {formatTime(silence.ends_at)}
        <div className="muted small" data-testid="silence-relative">
          {silenceWhen(silence, now)}
        </div>
      </td>
      <td className="small">{silence.created_by}</td>
      <td className="hide-narrow small">{silence.comment ?? ''}</td>
      <td>
        {silence.active && phase === 'in force' ? (
          expire && (
            <button type="button" className="button button-small" disabled={busy} onClick={expire}>
              Expire
            </button>
          )
        ) : (
          <Badge tone="muted">{phase === 'in force' ? 'started' : phase}</Badge>
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
  const durations = SILENCE_DURATIONS.some((d) => String(d.minutes) === form.minutes)
    ? SILENCE_DURATIONS
    : [...SILENCE_DURATIONS, { label: `${form.minutes} minutes`, minutes: Number(form.minutes) }].sort(
        (a, b) => a.minutes - b.minutes,
      );
  const seen = useSeenApps();
  const appListId = useId();
  const { saving, submit, errorsOf, clear, general } = useApiForm({
    specs: SILENCE_FIELDS,
    onSaved: () => {
      setForm({ app_name: '', message_key: '', minutes: '60', comment: '' });
      onSaved();
    },
  });
  // An edited field's old problem goes at once: a stale error never hides what the field says now.
  const edit = (field: string, change: Partial<typeof form>) => {
    setForm({ ...form, ...change });
    clear([field]);
  };
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
      <form className="form silence-form" onSubmit={submit(check, save)} noValidate aria-label="New silence">
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
        <div className="form-row silence-fields">
          <Field label="App name" errors={errorsOf('app_name')} warning={unseenAppWarning(seen, form.app_name)}>
            {(props) => (
              <input
                {...props}
                name="app_name"
                list={appListId}
                value={form.app_name}
                autoComplete="off"
                onChange={(e) => edit('app_name', { app_name: e.target.value })}
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
                onChange={(e) => edit('message_key', { message_key: e.target.value })}
              />
            )}
          </Field>
          <Field label="For" errors={errorsOf('duration_minutes')}>
            {(props) => (
              <select
                {...props}
                name="duration_minutes"
                value={form.minutes}
                onChange={(e) => edit('duration_minutes', { minutes: e.target.value })}
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
              onChange={(e) => edit('comment', { comment: e.target.value })}
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
