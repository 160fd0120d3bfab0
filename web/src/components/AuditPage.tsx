import { type FormEvent, useEffect, useState } from 'react';
import { AUDIT_ENTITIES, type AuditEntity, type AuditEntry } from '../api/access-types.js';
import { api } from '../api/client.js';
import { changedFields, entityWords, valueWords } from '../audit-diff.js';
import { formatCount, formatDateTime, formatTime } from '../format.js';
import { href } from '../router.js';
import { useDashboard, useResource } from '../state.js';
import { pastTheEnd, queryParam, unknownValue } from '../url-problems.js';
import { Relative } from './RelativeTime.js';
import { answered, ResourceNote } from './ResourceNote.js';
import { TableHeader } from './TableHeader.js';
import { UrlNotice } from './UrlNotice.js';
import { Badge, Card, Empty, Loading, Pager } from './ui.js';

const PER_PAGE = 50;
const ACTION_TONE = { create: 'ok', update: 'info', delete: 'bad' } as const;

const knownEntity = (value: string | undefined): AuditEntity | undefined =>
  AUDIT_ENTITIES.includes(value as AuditEntity) ? (value as AuditEntity) : undefined;

/**
 * Every change to rules, targets, silences and tokens, newest first: who, what, and (opened) the
 * fields it changed. The filters (entity, actor) and the page live in the URL.
 */
export function AuditPage() {
  const { route, setView } = useDashboard();
  // An entity the log does not record (`entity=widget`) is left out, and the notice says so.
  const entity = knownEntity(route.entity);
  const actor = route.actor;
  const page = route.pageNumber ?? 1;
  const log = useResource(
    (_range, signal) => api.audit({ entity, actor, page, per_page: PER_PAGE }, signal),
    [entity, actor, page],
    [],
    [],
  );
  const [open, setOpen] = useState<number>();
  const filtered = Boolean(entity || actor);
  return (
    <div className="page">
      <Card>
        <AuditFilters />
        <UrlNotice
          problems={[
            unknownValue('entity', queryParam(window.location.hash, 'entity'), AUDIT_ENTITIES, 'every entity'),
            log.data && pastTheEnd(page, PER_PAGE, log.data.total),
          ]}
        />
        <ResourceNote resource={log} />
        {!log.data && log.loading ? (
          <Loading />
        ) : !log.data || log.data.items.length === 0 ? (
          answered(log) &&
          log.data?.total === 0 && (
            <Empty>
              {filtered
                ? 'No change matches these filters.'
                : 'No changes yet. Each change to a rule, target, silence or token shows here, with who made it.'}
            </Empty>
          )
        ) : (
          <>
            <p className="muted result-count">
              {formatCount(log.data.total)} change{log.data.total === 1 ? '' : 's'}, newest first
            </p>
            <div className="table-wrap">
              <table className="table audit-log" aria-label="Audit log" aria-busy={log.loading}>
                <TableHeader columns={['When', 'Who', 'Change', 'What']} />
                <tbody>
                  {log.data.items.map((entry) => (
                    <AuditRow
                      key={entry.id}
                      entry={entry}
                      open={open === entry.id}
                      onToggle={() => setOpen(open === entry.id ? undefined : entry.id)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              page={page}
              perPage={PER_PAGE}
              total={log.data.total}
              onPage={(next) => setView({ pageNumber: next > 1 ? next : undefined })}
              label="Audit log"
            />
          </>
        )}
      </Card>
    </div>
  );
}

function AuditFilters() {
  const { route, setView } = useDashboard();
  const [actorText, setActorText] = useState(route.actor ?? '');
  useEffect(() => setActorText(route.actor ?? ''), [route.actor]);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setView({ actor: actorText.trim() || undefined, pageNumber: undefined }, { replace: true });
  };
  return (
    <form className="filters" onSubmit={apply} aria-label="Audit filters">
      <label className="inline-field">
        <span>Entity</span>
        <select
          value={knownEntity(route.entity) ?? ''}
          onChange={(e) => setView({ entity: e.target.value || undefined, pageNumber: undefined }, { replace: true })}
        >
          <option value="">All</option>
          {AUDIT_ENTITIES.map((entity) => (
            <option key={entity} value={entity}>
              {entity[0]!.toUpperCase() + entity.slice(1)}s
            </option>
          ))}
        </select>
      </label>
      <label className="inline-field grow">
        <span>Actor</span>
        <input
          type="search"
          value={actorText}
          placeholder="token:oncall, api_token, cli"
          onChange={(e) => setActorText(e.target.value)}
        />
      </label>
      <button type="submit" className="button">
        Filter
      </button>
      {(route.entity || route.actor) && (
        <button
          type="button"
          className="button button-ghost"
          onClick={() => setView({ entity: undefined, actor: undefined, pageNumber: undefined }, { replace: true })}
        >
          Clear
        </button>
      )}
    </form>
  );
}

function AuditRow({ entry, open, onToggle }: { entry: AuditEntry; open: boolean; onToggle: () => void }) {
  const detailId = `audit-${entry.id}-changes`;
  const what = entityWords(entry);
  return (
    <>
      <tr data-testid="audit-row">
        <td className="nowrap" title={formatDateTime(entry.at)}>
          <button type="button" className="disclosure" aria-expanded={open} aria-controls={detailId} onClick={onToggle}>
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {formatTime(entry.at)}
            <span className="visually-hidden"> — the fields changed</span>
          </button>
          <div className="muted small">
            <Relative at={entry.at} />
          </div>
        </td>
        <td className="break">
          <a href={href({ page: 'audit', actor: entry.actor })} title={`Only the changes of ${entry.actor}`}>
            {entry.actor}
          </a>
        </td>
        <td>
          <Badge tone={ACTION_TONE[entry.action] ?? 'muted'}>{entry.action}</Badge>
        </td>
        <td className="break">
          {what.kind} {what.id}
          {what.name && <div className="muted small">{what.name}</div>}
        </td>
      </tr>
      {open && (
        <tr className="detail-row" id={detailId}>
          <td colSpan={4}>
            <FieldChanges entry={entry} />
          </td>
        </tr>
      )}
    </>
  );
}

/** The changed fields: one value column for a create or delete, before and after for an update. */
function FieldChanges({ entry }: { entry: AuditEntry }) {
  const changes = changedFields(entry.before, entry.after, entry.changed_secrets);
  if (changes.length === 0) return <p className="muted">No field changed.</p>;
  const both = entry.action === 'update';
  return (
    <table className="table table-compact audit-diff" aria-label={`Changes of ${entry.entity} ${entry.entity_id}`}>
      <TableHeader
        columns={both ? ['Field', 'Before', 'After'] : ['Field', entry.action === 'delete' ? 'Was' : 'Value']}
      />
      <tbody>
        {changes.map((change) => (
          <tr key={change.field}>
            <th scope="row">
              <code>{change.field}</code>
            </th>
            {(both || entry.action === 'delete') && <td className="break diff-before">{valueWords(change.before)}</td>}
            {(both || entry.action !== 'delete') && (
              <td className="break diff-after">
                {valueWords(change.after)}
                {change.hidden && <div className="muted small">changed (value hidden)</div>}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
