import { useState } from 'react';
import { api } from '../api/client.js';
import type { SloRule } from '../api/slo-types.js';
import type { ChannelType } from '../api/types.js';
import { href } from '../router.js';
import { objectiveWords } from '../slo-words.js';
import { useDashboard, useResource } from '../state.js';
import { EditableList } from './EditableList.js';
import { SloRuleDialog } from './SloRuleForm.js';
import { AppAndKey, Channels } from './WindowRuleLists.js';

/** The SLOs on the Rules page, edited with the same dialog as on the SLO page. */
export function SloRuleList({ covered }: { covered: ReadonlySet<ChannelType> | undefined }) {
  const rules = useResource((_range, signal) => api.slos.list(signal), [], [], []);
  const { refresh } = useDashboard();
  const [editing, setEditing] = useState<{ rule?: SloRule }>();
  return (
    <>
      <EditableList<SloRule>
        title="SLOs"
        newLabel="New SLO"
        onNew={() => setEditing({})}
        intro={
          <>
            Service level objectives: the share of an app's logs within a duration over a period, with burn-rate alerts.
            Their budgets and charts are on the <a href={href({ page: 'slos' })}>SLO page</a>.
          </>
        }
        list={rules}
        empty="No SLOs yet."
        columns={['Name', 'App / key', 'Objective', 'Channels', { label: 'SLO page', hidden: true }]}
        cells={(rule) => (
          <>
            <td className="cell-title">{rule.name}</td>
            <AppAndKey rule={rule} />
            <td data-label="Objective">{objectiveWords(rule)}</td>
            <td>
              <Channels channels={rule.alert_channels} covered={covered} />
            </td>
            <td>
              <a href={href({ page: 'slos', rule: { type: 'slo', id: rule.id } })}>Budget</a>
            </td>
          </>
        )}
        nameOf={(rule) => rule.name}
        onEdit={(rule) => setEditing({ rule })}
        setActive={(rule, is_active) => api.slos.update(rule.id, { is_active })}
        remove={(rule) => api.slos.remove(rule.id)}
        deleteQuestion={(name) => `Delete the SLO ${name}?`}
      />
      {editing && (
        <SloRuleDialog
          rule={editing.rule}
          covered={covered}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            refresh();
          }}
        />
      )}
    </>
  );
}
