import { useState } from 'react';
import {
  type AppRule,
  api,
  CHANNEL_TYPES,
  type ChannelType,
  type MessageRule,
  type RuleInput,
  type RuleKind,
} from '../api.js';
import { CHANNEL_LABELS, formatMs } from '../format.js';
import { useDashboard, useResource } from '../state.js';
import { DialogFooter, GeneralError, useApiForm, useRowActions } from './editing.js';
import { Badge, Card, Dialog, Empty, ErrorNote, Field, Loading } from './ui.js';

type AnyRule = AppRule & { message_key?: string };
type Editing = { kind: RuleKind; rule?: AnyRule };

export function RulesPage() {
  const [editing, setEditing] = useState<Editing>();
  const { refresh } = useDashboard();
  return (
    <div className="page">
      <RuleList kind="message" onEdit={setEditing} />
      <RuleList kind="app" onEdit={setEditing} />
      {editing && (
        <RuleDialog
          editing={editing}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            refresh();
          }}
        />
      )}
    </div>
  );
}

function RuleList({ kind, onEdit }: { kind: RuleKind; onEdit: (editing: Editing) => void }) {
  const rules = useResource((_range, signal) => api.rules.list(kind, signal), [kind]);
  const { busy, actionError, act } = useRowActions(rules.reload);
  const title = kind === 'app' ? 'App rules' : 'Message rules';

  return (
    <Card
      title={title}
      actions={
        <button type="button" className="button button-primary" onClick={() => onEdit({ kind })}>
          New {kind} rule
        </button>
      }
    >
      <p className="muted card-intro">
        {kind === 'app'
          ? 'Judge every log of an app that no active message rule covers.'
          : 'Judge one message key of an app; it takes precedence over the app rule.'}
      </p>
      <ErrorNote error={rules.error ?? actionError} retry={rules.reload} />
      {!rules.data && rules.loading ? (
        <Loading />
      ) : !rules.data || rules.data.items.length === 0 ? (
        <Empty>No {kind} rules yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label={title}>
            <thead>
              <tr>
                <th scope="col">App</th>
                {kind === 'message' && <th scope="col">Message key</th>}
                <th scope="col" className="num">
                  Max duration
                </th>
                <th scope="col" className="hide-narrow">
                  Channels
                </th>
                <th scope="col" className="num hide-narrow">
                  Cooldown
                </th>
                <th scope="col">Active</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(rules.data.items as AnyRule[]).map((rule) => {
                const name = `${rule.app_name}${rule.message_key ? ` ${rule.message_key}` : ''}`;
                return (
                  <tr key={rule.id} className={rule.is_active ? '' : 'row-inactive'}>
                    <td>{rule.app_name}</td>
                    {kind === 'message' && (
                      <td>
                        <code>{(rule as MessageRule).message_key}</code>
                      </td>
                    )}
                    <td className="num">{formatMs(rule.max_duration)}</td>
                    <td className="hide-narrow">
                      <span className="chips">
                        {rule.alert_channels.map((c) => (
                          <Badge key={c} tone="muted">
                            {CHANNEL_LABELS[c] ?? c}
                          </Badge>
                        ))}
                      </span>
                    </td>
                    <td className="num hide-narrow">{rule.cooldown_minutes} min</td>
                    <td>
                      <label className="switch">
                        <input
                          type="checkbox"
                          checked={rule.is_active}
                          disabled={busy === rule.id}
                          onChange={(e) =>
                            act(rule.id, () => api.rules.update(kind, rule.id, { is_active: e.target.checked }))
                          }
                        />
                        <span className="visually-hidden">Active: {name}</span>
                      </label>
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => onEdit({ kind, rule })}
                        aria-label={`Edit ${name}`}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        className="button button-small button-danger"
                        disabled={busy === rule.id}
                        aria-label={`Delete ${name}`}
                        onClick={() => {
                          if (window.confirm(`Delete the ${kind} rule for ${name}?`))
                            void act(rule.id, () => api.rules.remove(kind, rule.id));
                        }}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function RuleDialog({ editing, onClose, onSaved }: { editing: Editing; onClose: () => void; onSaved: () => void }) {
  const { kind, rule } = editing;
  const [form, setForm] = useState({
    app_name: rule?.app_name ?? '',
    message_key: rule?.message_key ?? '',
    max_duration: rule ? String(rule.max_duration) : '',
    cooldown_minutes: rule ? String(rule.cooldown_minutes) : '15',
    is_active: rule?.is_active ?? true,
    alert_channels: rule?.alert_channels ?? (['telegram_chat'] as ChannelType[]),
  });
  const { saving, submit, errorsOf, general } = useApiForm(onSaved);

  const save = () => {
    // Numbers go as typed: the API's own validation names what is wrong with them.
    const input: RuleInput = {
      app_name: form.app_name.trim(),
      ...(kind === 'message' ? { message_key: form.message_key.trim() } : {}),
      max_duration: form.max_duration.trim() === '' ? Number.NaN : Number(form.max_duration),
      cooldown_minutes: form.cooldown_minutes.trim() === '' ? Number.NaN : Number(form.cooldown_minutes),
      is_active: form.is_active,
      alert_channels: form.alert_channels,
    };
    const body = JSON.parse(JSON.stringify(input, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? null : v)));
    return rule ? api.rules.update(kind, rule.id, body) : api.rules.create(kind, body);
  };

  return (
    <Dialog title={`${rule ? 'Edit' : 'New'} ${kind} rule`} onClose={onClose}>
      <form className="form" onSubmit={submit(save)} noValidate aria-label={`${kind} rule`}>
        <GeneralError error={general} />
        <Field label="App name" errors={errorsOf('app_name')}>
          {(props) => (
            <input
              {...props}
              name="app_name"
              value={form.app_name}
              onChange={(e) => setForm({ ...form, app_name: e.target.value })}
              autoComplete="off"
            />
          )}
        </Field>
        {kind === 'message' && (
          <Field label="Message key" errors={errorsOf('message_key')}>
            {(props) => (
              <input
                {...props}
                name="message_key"
                value={form.message_key}
                onChange={(e) => setForm({ ...form, message_key: e.target.value })}
                autoComplete="off"
              />
            )}
          </Field>
        )}
        <div className="form-row">
          <Field
            label="Max duration (ms)"
            errors={errorsOf('max_duration')}
            hint="A log slower than this is a violation."
          >
            {(props) => (
              <input
                {...props}
                name="max_duration"
                inputMode="decimal"
                value={form.max_duration}
                onChange={(e) => setForm({ ...form, max_duration: e.target.value })}
              />
            )}
          </Field>
          <Field label="Cooldown (minutes)" errors={errorsOf('cooldown_minutes')} hint="Quiet time after an alert.">
            {(props) => (
              <input
                {...props}
                name="cooldown_minutes"
                inputMode="numeric"
                value={form.cooldown_minutes}
                onChange={(e) => setForm({ ...form, cooldown_minutes: e.target.value })}
              />
            )}
          </Field>
        </div>
        <fieldset className={`field ${errorsOf('alert_channels')?.length ? 'field-invalid' : ''}`}>
          <legend>Alert channels</legend>
          <div className="checks">
            {CHANNEL_TYPES.map((channel) => (
              <label key={channel} className="check">
                <input
                  type="checkbox"
                  name="alert_channels"
                  value={channel}
                  checked={form.alert_channels.includes(channel)}
                  onChange={(e) =>
                    setForm({
                      ...form,
                      alert_channels: e.target.checked
                        ? [...form.alert_channels, channel]
                        : form.alert_channels.filter((c) => c !== channel),
                    })
                  }
                />
                {CHANNEL_LABELS[channel]}
              </label>
            ))}
          </div>
          {errorsOf('alert_channels')?.length ? (
            <p className="field-error">{errorsOf('alert_channels')!.join('; ')}</p>
          ) : null}
        </fieldset>
        <DialogFooter
          active={form.is_active}
          onActiveChange={(is_active) => setForm({ ...form, is_active })}
          onCancel={onClose}
          saving={saving}
          submitLabel={rule ? 'Save rule' : 'Create rule'}
        />
      </form>
    </Dialog>
  );
}
