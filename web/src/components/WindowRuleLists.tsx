import { api } from '../api/client.js';
import type { ChannelType } from '../api/types.js';
import type { AbsenceRule, LatencyRule, WindowKind } from '../api/window-types.js';
import { useChannelLabel } from '../channels.js';
import { href } from '../router.js';
import { useResource } from '../state.js';
import { latencyConditionWords, windowWords } from '../window-words.js';
import { NoTargetFlag } from './channel-targets.js';
import { EditableList } from './EditableList.js';
import { Badge } from './ui.js';

export type WindowEditing = { kind: 'latency'; rule?: LatencyRule } | { kind: 'absence'; rule?: AbsenceRule };

export function Channels({
  channels,
  covered,
}: {
  channels: ChannelType[];
  covered: ReadonlySet<ChannelType> | undefined;
}) {
  const channelLabel = useChannelLabel();
  return (
    <span className="chips">
      {channels.map((c) => (
        <span key={c} className="chip-group">
          <Badge tone="muted">{channelLabel(c)}</Badge>
          {covered && !covered.has(c) && <NoTargetFlag channel={c} />}
        </span>
      ))}
    </span>
  );
}

export function AppAndKey({ rule }: { rule: { app_name: string; message_key: string | null; per_key?: boolean } }) {
  return (
    <td className="break">
      {rule.app_name}
      <div className="muted small">
        {rule.message_key ? <code>{rule.message_key}</code> : rule.per_key ? 'each message key' : 'every log'}
      </div>
    </td>
  );
}

const incidentsLink = (kind: WindowKind, id: number) => href({ page: 'incidents', rule: { type: kind, id } });

export function LatencyRuleList({
  onEdit,
  covered,
}: {
  onEdit: (editing: WindowEditing) => void;
  covered: ReadonlySet<ChannelType> | undefined;
}) {
  const rules = useResource((_range, signal) => api.windowRules.list<LatencyRule>('latency', signal), [], [], []);
  return (
    <EditableList<LatencyRule>
      title="Latency rules"
      newLabel="New latency rule"
      onNew={() => onEdit({ kind: 'latency' })}
      intro="Judge a percentile, the average, the maximum or the share of slow logs over a window, against a threshold or against the same window a day or a week earlier."
      list={rules}
      empty="No latency rules yet."
      columns={['Name', 'App / key', 'Fires when', 'Channels', { label: 'Incidents', hidden: true }]}
      cells={(rule) => (
        <>
          <td className="cell-title">{rule.name}</td>
          <AppAndKey rule={rule} />
          <td data-label="Fires when">
            {latencyConditionWords(rule)}
            {rule.pending_minutes > 0 && <div className="muted small">for {rule.pending_minutes} min</div>}
          </td>
          <td>
            <Channels channels={rule.alert_channels} covered={covered} />
          </td>
          <td>
            <a href={incidentsLink('latency', rule.id)}>Incidents</a>
          </td>
        </>
      )}
      nameOf={(rule) => rule.name}
      onEdit={(rule) => onEdit({ kind: 'latency', rule })}
      setActive={(rule, is_active) => api.windowRules.update('latency', rule.id, { is_active })}
      remove={(rule) => api.windowRules.remove('latency', rule.id)}
      deleteQuestion={(name) => `Delete the latency rule ${name}?`}
    />
  );
}

export function AbsenceRuleList({
  onEdit,
  covered,
}: {
  onEdit: (editing: WindowEditing) => void;
  covered: ReadonlySet<ChannelType> | undefined;
}) {
  const rules = useResource((_range, signal) => api.windowRules.list<AbsenceRule>('absence', signal), [], [], []);
  return (
    <EditableList<AbsenceRule>
      title="Absence rules"
      newLabel="New absence rule"
      onNew={() => onEdit({ kind: 'absence' })}
      intro="Fire when an app (or one of its message keys) stops logging; the first log resolves it."
      list={rules}
      empty="No absence rules yet."
      columns={['Name', 'App / key', 'Fires when', 'Channels', { label: 'Incidents', hidden: true }]}
      cells={(rule) => (
        <>
          <td className="cell-title">{rule.name}</td>
          <AppAndKey rule={rule} />
          <td data-label="Fires when">no log in {windowWords(rule.silent_minutes)}</td>
          <td>
            <Channels channels={rule.alert_channels} covered={covered} />
          </td>
          <td>
            <a href={incidentsLink('absence', rule.id)}>Incidents</a>
          </td>
        </>
      )}
      nameOf={(rule) => rule.name}
      onEdit={(rule) => onEdit({ kind: 'absence', rule })}
      setActive={(rule, is_active) => api.windowRules.update('absence', rule.id, { is_active })}
      remove={(rule) => api.windowRules.remove('absence', rule.id)}
      deleteQuestion={(name) => `Delete the absence rule ${name}?`}
    />
  );
}
