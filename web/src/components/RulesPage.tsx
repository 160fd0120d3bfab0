import { useState } from 'react';
import { CHANNEL_TYPES } from '../../../src/rules/types.js';
import { api } from '../api/client.js';
import type { AppRule, ChannelType, MessageRule, RuleInput, RuleKind } from '../api/types.js';
import { CHANNEL_LABELS, formatMs } from '../format.js';
import { useDashboard, useResource } from '../state.js';
import { EditableList } from './EditableList.js';
import { DialogFooter, GeneralError, useApiForm } from './editing.js';
import { noiseFormOf, noiseInput, RuleNoiseFields } from './RuleNoiseFields.js';
import { Badge, Dialog, Field } from './ui.js';

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
  return (
    <EditableList<AnyRule>
      title={kind === 'app' ? 'App rules' : 'Message rules'}
      newLabel={`New ${kind} rule`}
      onNew={() => onEdit({ kind })}
      intro={
        kind === 'app'
          ? 'Judge every log of an app that no active message rule covers.'
          : 'Judge one message key of an app; it takes precedence over the app rule.'
      }
      list={rules}
      empty={`No ${kind} rules yet.`}
      columns={[
        'App',
        ...(kind === 'message' ? ['Message key'] : []),
        { label: 'Max duration', className: 'num' },
        { label: 'Channels', className: 'hide-narrow' },
        { label: 'Cooldown', className: 'num hide-narrow' },
      ]}
      cells={(rule) => (
        <>
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
        </>
      )}
      nameOf={(rule) => `${rule.app_name}${rule.message_key ? ` ${rule.message_key}` : ''}`}
      onEdit={(rule) => onEdit({ kind, rule })}
      setActive={(rule, is_active) => api.rules.update(kind, rule.id, { is_active })}
      remove={(rule) => api.rules.remove(kind, rule.id)}
      deleteQuestion={(name) => `Delete the ${kind} rule for ${name}?`}
    />
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
  const [noise, setNoise] = useState(() => noiseFormOf(rule));
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
      ...noiseInput(noise),
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
        <RuleNoiseFields form={noise} onChange={setNoise} errorsOf={errorsOf} />
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
