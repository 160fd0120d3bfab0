import { useRef, useState } from 'react';
import { useAccess, useCan } from '../access.js';
import type { CreatedToken, Scope, TokenRow } from '../api/access-types.js';
import { api } from '../api/client.js';
import { checkFields, TOKEN_FIELDS } from '../field-errors.js';
import { formatDateTime } from '../format.js';
import { useDashboard, useResource } from '../state.js';
import { pastTheEnd } from '../url-problems.js';
import { GeneralError, useApiForm, useRowActions } from './editing.js';
import { NewSecret } from './NewSecret.js';
import { Relative } from './RelativeTime.js';
import { answered, ResourceNote } from './ResourceNote.js';
import { TableHeader } from './TableHeader.js';
import { UrlNotice } from './UrlNotice.js';
import { Badge, Card, Empty, Field, Loading, Pager } from './ui.js';

const PER_PAGE = 50;
const SCOPES: { scope: Scope; words: string }[] = [
  { scope: 'read', words: 'read: sees everything, changes nothing' },
  { scope: 'write', words: 'write: read, and changes rules, targets and silences' },
  { scope: 'admin', words: 'admin: everything, tokens too' },
  { scope: 'ingest', words: 'ingest: only sends logs (for shippers)' },
];
const EXPIRIES = [
  { value: '', label: 'Never' },
  { value: '1d', label: '1 day' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '365d', label: '1 year' },
];

/** Admin only: make a token (its secret shown once), list them with their last use, revoke one. */
export function TokensPage() {
  const isAdmin = useCan('admin');
  // The page lives in the URL (`page`), as on the other lists.
  const { route, setView } = useDashboard();
  const page = route.pageNumber ?? 1;
  const { created, showCreated } = useAccess();
  const tokens = useResource(
    (_range, signal) => (isAdmin ? api.tokens.list({ page, per_page: PER_PAGE }, signal) : Promise.resolve(undefined)),
    [isAdmin, page],
    [],
    [],
  );
  const { busy, actionError, act } = useRowActions(tokens.reload);
  if (!isAdmin) return <Empty>Tokens are managed with an admin token.</Empty>;
  return (
    <div className="page">
      {created ? (
        <NewSecret created={created} onDone={() => showCreated(undefined)} />
      ) : (
        <NewToken
          onCreated={(answer) => {
            showCreated(answer);
            tokens.reload();
          }}
        />
      )}
      <Card title="Tokens">
        <UrlNotice problems={[tokens.data && pastTheEnd(page, PER_PAGE, tokens.data.total)]} />
        <ResourceNote resource={tokens} actionError={actionError} />
        {!tokens.data && tokens.loading ? (
          <Loading />
        ) : !tokens.data || tokens.data.items.length === 0 ? (
          answered(tokens) && <Empty>No tokens yet: API_TOKEN is the only way in.</Empty>
        ) : (
          <>
            <div className="table-wrap">
              <table className="table" aria-label="Tokens">
                <TableHeader
                  columns={[
                    'Name',
                    'Scope',
                    { label: 'Created', className: 'hide-narrow' },
                    'Last used',
                    'Expires',
                    { label: 'Revoke', hidden: true },
                  ]}
                />
                <tbody>
                  {tokens.data.items.map((row) => (
                    <TokenLine
                      key={row.id}
                      row={row}
                      busy={busy === row.id}
                      revoke={() => {
                        if (window.confirm(`Revoke the token ${row.name}? Whatever uses it is refused at once.`))
                          void act(row.id, () => api.tokens.revoke(row.id));
                      }}
                    />
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              page={page}
              perPage={PER_PAGE}
              total={tokens.data.total}
              onPage={(next) => setView({ pageNumber: next > 1 ? next : undefined })}
              label="Tokens"
            />
          </>
        )}
      </Card>
    </div>
  );
}

function When({ at, none }: { at: string | null; none: string }) {
  if (!at) return <span className="muted">{none}</span>;
  return (
    <span title={formatDateTime(at)}>
      <Relative at={at} />
      <div className="muted small">{formatDateTime(at)}</div>
    </span>
  );
}

function TokenLine({ row, busy, revoke }: { row: TokenRow; busy: boolean; revoke: () => void }) {
  return (
    <tr className={row.status === 'active' ? '' : 'row-inactive'} data-testid="token-row">
      <td className="cell-title break">{row.name}</td>
      <td>
        <Badge tone={row.scope === 'admin' ? 'warn' : 'muted'}>{row.scope}</Badge>
      </td>
      <td className="hide-narrow">
        <When at={row.created_at} none="—" />
      </td>
      <td>
        <When at={row.last_used_at} none="never" />
      </td>
      <td>
        <When at={row.expires_at} none="never" />
      </td>
      <td className="actions">
        {row.status !== 'active' ? (
          <Badge tone={row.status === 'revoked' ? 'bad' : 'muted'}>{row.status}</Badge>
        ) : (
          <button
            type="button"
            className="button button-small button-danger"
            disabled={busy}
            aria-label={`Revoke ${row.name}`}
            onClick={revoke}
          >
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

function NewToken({ onCreated }: { onCreated: (created: CreatedToken) => void }) {
  const [form, setForm] = useState({ name: '', scope: 'read' as Scope, expires: '90d' });
  const answer = useRef<CreatedToken>(undefined);
  const { saving, submit, errorsOf, general } = useApiForm({
    specs: TOKEN_FIELDS,
    onSaved: () => answer.current && onCreated(answer.current),
    conflict: () => ({
      field: 'name',
      message: `There is already a token named ${form.name.trim()}: choose another name`,
    }),
  });
  const check = () => checkFields(TOKEN_FIELDS, { name: form.name });
  const save = async () => {
    answer.current = await api.tokens.create({
      name: form.name.trim(),
      scope: form.scope,
      ...(form.expires ? { expires: form.expires } : {}),
    });
  };
  return (
    <Card title="New token">
      <form className="form" onSubmit={submit(check, save)} noValidate aria-label="New token">
        <GeneralError message={general} />
        <div className="form-row">
          <Field
            label="Name"
            errors={errorsOf('name')}
            hint="Who or what uses it: changes are recorded as token:<name>."
          >
            {(props) => (
              <input
                {...props}
                name="name"
                value={form.name}
                autoComplete="off"
                onChange={(e) => setForm({ ...form, name: e.target.value })}
              />
            )}
          </Field>
          <Field label="Scope" errors={errorsOf('scope')}>
            {(props) => (
              <select
                {...props}
                name="scope"
                value={form.scope}
                onChange={(e) => setForm({ ...form, scope: e.target.value as Scope })}
              >
                {SCOPES.map(({ scope, words }) => (
                  <option key={scope} value={scope}>
                    {words}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Expires" errors={errorsOf('expires')}>
            {(props) => (
              <select
                {...props}
                name="expires"
                value={form.expires}
                onChange={(e) => setForm({ ...form, expires: e.target.value })}
              >
                {EXPIRIES.map(({ value, label }) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={saving}>
            Create token
          </button>
        </div>
      </form>
    </Card>
  );
}
