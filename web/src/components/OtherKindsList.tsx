import { api } from '../api/client.js';
import { useResource } from '../state.js';
import { ManagedBadge } from './ManagedBadge.js';
import { ResourceNote } from './ResourceNote.js';
import { TableHeader } from './TableHeader.js';
import { Badge, Card } from './ui.js';

/**
 * Rules of kinds this dashboard has no form for yet (from `GET /rules`, every kind): listed, so
 * no rule is hidden; they are edited through the API or rules as code. Nothing shows without any.
 */
export function OtherKindsList({ shown }: { shown: readonly string[] }) {
  const all = useResource((_range, signal) => api.allRules({}, signal), [], [], []);
  const others = all.data?.items.filter((rule) => !shown.includes(rule.kind)) ?? [];
  if (all.error) {
    return (
      <Card title="Other rules">
        <ResourceNote resource={all} />
      </Card>
    );
  }
  if (others.length === 0) return null;
  return (
    <Card title="Other rules">
      <p className="muted card-intro">Rules of kinds this dashboard cannot edit yet; the API and rules as code can.</p>
      <div className="table-wrap">
        <table className="table" aria-label="Other rules">
          <TableHeader columns={['Kind', 'Name', 'App', 'Active']} />
          <tbody>
            {others.map((rule) => (
              <tr key={`${rule.kind}:${rule.id}`} className={rule.is_active ? '' : 'row-inactive'}>
                <td>
                  <Badge tone="info">{rule.kind}</Badge> #{rule.id}
                </td>
                <td className="break">{typeof rule.name === 'string' ? rule.name : '—'}</td>
                <td className="break">{rule.app_name}</td>
                <td>
                  {rule.is_active ? 'yes' : 'no'}
                  {rule.managed_file && (
                    <ManagedBadge file={rule.managed_file} id={`managed-${rule.kind}-${rule.id}`} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
