import { useId, useState } from 'react';
import { api } from '../api/client.js';
import type { AppRule, ChannelType, MessageRule, RuleInput, RuleKind } from '../api/types.js';
import { useChannelLabel } from '../channels.js';
import { checkFields, RULE_FIELDS } from '../field-errors.js';
import { formatMs } from '../format.js';
import { useDashboard, useResource } from '../state.js';
import { AbsenceRuleDialog } from './AbsenceRuleForm.js';
import { ChannelChecks } from './ChannelChecks.js';
import { NoTargetFlag, useCoveredChannels } from './channel-targets.js';
import { EditableList } from './EditableList.js';
import { DialogFooter, GeneralError, useApiForm } from './editing.js';
import { LatencyRuleDialog } from './LatencyRuleForm.js';
import { OtherKindsList } from './OtherKindsList.js';
import { noiseFormOf, noiseInput, noiseProblems, RuleNoiseFields } from './RuleNoiseFields.js';
import { SloRuleList } from './SloRuleList.js';
import { unseenAppWarning, useSeenApps } from './seen-apps.js';
import { Badge, Dialog, Field } from './ui.js';
import { AbsenceRuleList, LatencyRuleList, type WindowEditing } from './WindowRuleLists.js';

/** The kinds this page lists and edits with a form of their own; `GET /rules` shows any other. */
const SHOWN_KINDS: readonly string[] = ['message', 'app', 'latency', 'absence', 'slo'];

type AnyRule = AppRule & { message_key?: string };
type Editing = { kind: RuleKind; rule?: AnyRule };

export function RulesPage() {
  const [editing, setEditing] = useState<Editing>();
  const [windowEditing, setWindowEditing] = useState<WindowEditing>();
  const { refresh } = useDashboard();
  const covered = useCoveredChannels();
  const closeWindow = () => setWindowEditing(undefined);
  const savedWindow = () => {
    setWindowEditing(undefined);
    refresh();
  };
  return (
    <div className="page">
      <RuleList kind="message" onEdit={setEditing} covered={covered} />
      <RuleList kind="app" onEdit={setEditing} covered={covered} />
      <LatencyRuleList onEdit={setWindowEditing} covered={covered} />
      <AbsenceRuleList onEdit={setWindowEditing} covered={covered} />
      <SloRuleList covered={covered} />
      <OtherKindsList shown={SHOWN_KINDS} />
      {windowEditing?.kind === 'latency' && (
        <LatencyRuleDialog rule={windowEditing.rule} covered={covered} onClose={closeWindow} onSaved={savedWindow} />
      )}
      {windowEditing?.kind === 'absence' && (
        <AbsenceRuleDialog rule={windowEditing.rule} covered={covered} onClose={closeWindow} onSaved={savedWindow} />
      )}
      {editing && (
        <RuleDialog
          editing={editing}
          covered={covered}
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

function RuleList({
  kind,
  onEdit,
  covered,
}: {
  kind: RuleKind;
  onEdit: (editing: Editing) => void;
  covered: ReadonlySet<ChannelType> | undefined;
}) {
  const rules = useResource((_range, signal) => api.rules.list(kind, signal), [kind], [], []);
  const channelLabel = useChannelLabel();
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
        'Channels',
        { label: 'Cooldown', className: 'num' },
      ]}
      cells={(rule) => (
        <>
          <td className="cell-title">{rule.app_name}</td>
          {kind === 'message' && (
            <td>
              <code>{(rule as MessageRule).message_key}</code>
            </td>
          )}
          <td className="num" data-label="Max duration">
            {formatMs(rule.max_duration)}
          </td>
          <td>
            <span className="chips">
              {rule.alert_channels.map((c) => (
                <span key={c} className="chip-group">
                  <Badge tone="muted">{channelLabel(c)}</Badge>
                  {covered && !covered.has(c) && <NoTargetFlag channel={c} />}
                </span>
              ))}
            </span>
          </td>
          <td className="num" data-label="Cooldown">
            {rule.cooldown_minutes} min
          </td>
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

function RuleDialog({
  editing,
  covered,
  onClose,
  onSaved,
}: {
  editing: Editing;
  covered: ReadonlySet<ChannelType> | undefined;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { kind, rule } = editing;
  const seen = useSeenApps();
  const appListId = useId();
  const [form, setForm] = useState({
    app_name: rule?.app_name ?? '',
    message_key: rule?.message_key ?? '',
    max_duration: rule ? String(rule.max_duration) : '',
    cooldown_minutes: rule ? String(rule.cooldown_minutes) : '15',
    is_active: rule?.is_active ?? true,
    alert_channels: rule?.alert_channels ?? (['telegram_chat'] as ChannelType[]),
  });
  const [noise, setNoise] = useState(() => noiseFormOf(rule));
  const { saving, submit, errorsOf, general } = useApiForm({
    specs: RULE_FIELDS,
    onSaved,
    conflict: () =>
      kind === 'message'
        ? {
            field: 'message_key',
            message: `There is already a rule for ${form.message_key.trim()} of ${form.app_name.trim()}: edit that one instead`,
          }
        : {
            field: 'app_name',
            message: `There is already an app rule for ${form.app_name.trim()}: edit that one instead`,
          },
  });

  const check = () => {
    const { message_key, is_active: _, ...shared } = form;
    return {
      ...checkFields(RULE_FIELDS, kind === 'message' ? { ...shared, message_key } : shared),
      ...noiseProblems(noise),
    };
  };

  const save = () => {
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
      <form className="form" onSubmit={submit(check, save)} noValidate aria-label={`${kind} rule`}>
        <GeneralError message={general} />
        <Field label="App name" errors={errorsOf('app_name')} warning={unseenAppWarning(seen, form.app_name)}>
          {(props) => (
            <input
              {...props}
              name="app_name"
              list={appListId}
              value={form.app_name}
              onChange={(e) => setForm({ ...form, app_name: e.target.value })}
              autoComplete="off"
            />
          )}
        </Field>
        <datalist id={appListId} data-testid="seen-apps">
          {seen?.apps.map((app) => (
            <option key={app} value={app} />
          ))}
        </datalist>
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
        <ChannelChecks
          channels={form.alert_channels}
          onChange={(alert_channels) => setForm({ ...form, alert_channels })}
          covered={covered}
          error={errorsOf('alert_channels')?.[0]}
        />
        <DialogFooter
          active={form.is_active}
          onActiveChange={(is_active) => setForm({ ...form, is_active })}
          onCancel={onClose}
          saving={saving}
          submitLabel={rule ? 'Save rule' : 'Create rule'}
          managedFile={rule?.managed_file}
        />
      </form>
    </Dialog>
  );
}
