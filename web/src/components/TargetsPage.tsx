import { useState } from 'react';
import { useCan } from '../access.js';
import { api } from '../api/client.js';
import type { Channel, ChannelType, Target, TargetTest } from '../api/types.js';
import { channelLabel, useChannels } from '../channels.js';
import { checkFields, targetFields } from '../field-errors.js';
import { useResource } from '../state.js';
import { noTargetExplanation } from './channel-targets.js';
import { EditableList } from './EditableList.js';
import { DialogFooter, GeneralError, useApiForm } from './editing.js';
import { Badge, Dialog, Field } from './ui.js';

export function TargetsPage() {
  const targets = useResource((_range, signal) => api.targets.list(signal), [], [], []);
  const [editing, setEditing] = useState<{ target?: Target }>();
  const channels = useChannels();
  const uncovered = useUncoveredChannels(targets.data?.items, channels);
  const canWrite = useCan('write');

  return (
    <div className="page">
      {uncovered.length > 0 && (
        <div className="note note-warn" role="status" data-testid="uncovered-channels">
          <ul>
            {uncovered.map(({ channel, rules }) => (
              <li key={channel}>
                {noTargetExplanation(channel, channelLabel(channels, channel))} {rules} active rule
                {rules === 1 ? ' sends' : 's send'} to it.
              </li>
            ))}
          </ul>
        </div>
      )}
      <EditableList
        title="Alert targets"
        newLabel="New target"
        onNew={() => setEditing({})}
        intro={
          <>
            An alert goes to every active target of the channels its rule names (and to the default Telegram chat and
            group from the configuration).
          </>
        }
        list={targets}
        empty="No targets yet."
        columns={['Name', 'Channel', 'Address', ...(canWrite ? ['Test'] : [])]}
        cells={(target) => (
          <>
            <td className="cell-title">{target.name}</td>
            <td>
              <Badge tone="muted">{channelLabel(channels, target.type)}</Badge>
            </td>
            <td className="break">
              <code>{target.external_id}</code>
            </td>
            {canWrite && (
              <td>
                <SendTest target={target} />
              </td>
            )}
          </>
        )}
        nameOf={(target) => target.name}
        onEdit={(target) => setEditing({ target })}
        setActive={(target, is_active) => api.targets.update(target.id, { is_active })}
        remove={(target) => api.targets.remove(target.id)}
        deleteQuestion={(name) => `Delete the target ${name}?`}
      />
      {editing && (
        <TargetDialog
          target={editing.target}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            targets.reload();
          }}
        />
      )}
    </div>
  );
}

/** Channels that active rules send to but no active target receives, with how many rules use each. */
function useUncoveredChannels(
  targets: Target[] | undefined,
  channels: Channel[] | undefined,
): { channel: ChannelType; rules: number }[] {
  const appRules = useResource((_range, signal) => api.rules.list('app', signal), [], [], []);
  const messageRules = useResource((_range, signal) => api.rules.list('message', signal), [], [], []);
  if (!targets || !channels || !appRules.data || !messageRules.data) return [];
  const covered = new Set(targets.filter((t) => t.is_active).map((t) => t.type));
  const uses = new Map<ChannelType, number>();
  for (const rule of [...appRules.data.items, ...messageRules.data.items]) {
    if (!rule.is_active) continue;
    for (const channel of rule.alert_channels) {
      if (!covered.has(channel)) uses.set(channel, (uses.get(channel) ?? 0) + 1);
    }
  }
  return channels
    .map((c) => c.type)
    .filter((c) => uses.has(c))
    .map((channel) => ({ channel, rules: uses.get(channel)! }));
}

function TargetDialog({ target, onClose, onSaved }: { target?: Target; onClose: () => void; onSaved: () => void }) {
  const channels = useChannels();
  // A secret address (webhook URL, routing key) comes back masked: the field starts empty and,
  // left empty, keeps the stored address.
  const hiddenAddress = target !== undefined && channels?.find((c) => c.type === target.type)?.secret_address !== false;
  const [form, setForm] = useState({
    name: target?.name ?? '',
    type: target?.type ?? ('email' as ChannelType),
    external_id: hiddenAddress ? '' : (target?.external_id ?? ''),
    is_active: target?.is_active ?? true,
  });
  const keepAddress = hiddenAddress && form.type === target?.type && form.external_id.trim() === '';
  const chosen = channels?.find((c) => c.type === form.type);
  const specs = targetFields(form.type, chosen?.address_hint);
  const { saving, submit, errorsOf, general } = useApiForm({
    specs,
    onSaved,
    conflict: () => ({
      field: 'name',
      message: `There is already a target named ${form.name.trim()}: choose another name`,
    }),
  });
  const address = {
    label: chosen?.address_label ?? 'Address',
    hint: keepAddress
      ? `Kept as it is (${target?.external_id}): it is a secret and is not shown. Enter a new one to replace it.`
      : chosen
        ? `${capitalized(chosen.address_hint)}.${chosen.secret_address ? ' A secret: shown only now, masked afterwards.' : ''}`
        : undefined,
  };
  const check = () =>
    checkFields(specs, {
      name: form.name,
      type: form.type,
      ...(keepAddress ? {} : { external_id: form.external_id }),
    });

  const save = () => {
    const { external_id, ...rest } = form;
    const input = { ...rest, name: form.name.trim(), ...(keepAddress ? {} : { external_id: external_id.trim() }) };
    return target
      ? api.targets.update(target.id, input)
      : api.targets.create({ ...input, external_id: external_id.trim() });
  };

  return (
    <Dialog title={target ? 'Edit target' : 'New target'} onClose={onClose}>
      <form className="form" onSubmit={submit(check, save)} noValidate aria-label="Alert target">
        <GeneralError message={general} />
        <Field label="Name" errors={errorsOf('name')}>
          {(props) => (
            <input
              {...props}
              name="name"
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          )}
        </Field>
        <Field label="Channel" errors={errorsOf('type')}>
          {(props) => (
            <select
              {...props}
              name="type"
              value={form.type}
              onChange={(e) => setForm({ ...form, type: e.target.value as ChannelType })}
            >
              {(channels ?? []).map((channel) => (
                <option key={channel.type} value={channel.type}>
                  {channel.label}
                  {channel.configured ? '' : ` (not configured: ${channel.missing_setting})`}
                </option>
              ))}
              {!channels?.some((c) => c.type === form.type) && <option value={form.type}>{form.type}</option>}
            </select>
          )}
        </Field>
        <Field label={address.label} errors={errorsOf('external_id')} hint={address.hint}>
          {(props) => (
            <input
              {...props}
              name="external_id"
              value={form.external_id}
              spellCheck={false}
              onChange={(e) => setForm({ ...form, external_id: e.target.value })}
            />
          )}
        </Field>
        <DialogFooter
          active={form.is_active}
          onActiveChange={(is_active) => setForm({ ...form, is_active })}
          onCancel={onClose}
          saving={saving}
          submitLabel={target ? 'Save target' : 'Create target'}
          managedFile={target?.managed_file}
        />
      </form>
    </Dialog>
  );
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "Send test": the test notification to this target now; shows what its service answered. */
function SendTest({ target }: { target: Target }) {
  const [state, setState] = useState<{ sending: boolean; result?: TargetTest; error?: string }>({ sending: false });
  const send = () => {
    setState({ sending: true });
    api.targets.test(target.id).then(
      (result) => setState({ sending: false, result }),
      (error: unknown) => setState({ sending: false, error: error instanceof Error ? error.message : String(error) }),
    );
  };
  const said = state.result ? state.result.reply : state.error;
  const ok = state.result?.ok === true;
  return (
    <div className="send-test">
      <button
        type="button"
        className="button button-small"
        disabled={state.sending}
        onClick={send}
        aria-label={`Send test to ${target.name}`}
      >
        {state.sending ? 'Sending…' : 'Send test'}
      </button>
      {said !== undefined && (
        <p className={`small ${ok ? 'text-ok' : 'text-bad'}`} role="status" data-testid="test-reply">
          {ok ? 'Sent: ' : 'Failed: '}
          {said}
        </p>
      )}
    </div>
  );
}
