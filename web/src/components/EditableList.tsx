import type { ReactNode } from 'react';
import { useCan } from '../access.js';
import type { Resource } from '../state.js';
import { useRowActions } from './editing.js';
import { ManagedBadge, managedReason } from './ManagedBadge.js';
import { answered, ResourceNote } from './ResourceNote.js';
import { type Column, TableHeader } from './TableHeader.js';
import { Card, Empty, Loading } from './ui.js';

interface EditableItem {
  id: number;
  is_active: boolean;
  /** The rules file that manages it (its row shows so; its controls are disabled), or null. */
  managed_file?: string | null;
}

/**
 * A card that lists editable items (rules, targets): a New button over a table whose rows end in
 * an Active switch, Edit and Delete. `columns` and `cells` are the item's own columns before those;
 * `nameOf` names a row in its labels and in the question Delete asks. At phone width each row is
 * a block (styles.css): the cell with class `cell-title` heads it, `data-label` names a figure.
 * Without the write scope the list only shows: no New, Edit, Delete, and Active as a word.
 * A row a rules file manages carries a "managed by <file>" badge, and its switch, Edit and
 * Delete are disabled, pointing to the reason.
 */
export function EditableList<Item extends EditableItem>({
  title,
  newLabel,
  onNew,
  intro,
  list,
  empty,
  columns,
  cells,
  nameOf,
  onEdit,
  setActive,
  remove,
  deleteQuestion,
}: {
  title: string;
  newLabel: string;
  onNew: () => void;
  intro: ReactNode;
  list: Resource<{ items: Item[] }>;
  empty: ReactNode;
  columns: (Column | string)[];
  cells: (item: Item) => ReactNode;
  nameOf: (item: Item) => string;
  onEdit: (item: Item) => void;
  setActive: (item: Item, active: boolean) => Promise<unknown>;
  remove: (item: Item) => Promise<unknown>;
  deleteQuestion: (name: string) => string;
}) {
  const { busy, actionError, act } = useRowActions(list.reload);
  const canWrite = useCan('write');
  return (
    <Card
      title={title}
      actions={
        canWrite && (
          <button type="button" className="button button-primary" onClick={onNew}>
            {newLabel}
          </button>
        )
      }
    >
      <p className="muted card-intro">{intro}</p>
      <ResourceNote resource={list} actionError={actionError} />
      {!list.data && list.loading ? (
        <Loading />
      ) : !list.data || list.data.items.length === 0 ? (
        answered(list) && <Empty>{empty}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table table-editable" aria-label={title}>
            <TableHeader columns={[...columns, 'Active', ...(canWrite ? [{ label: 'Actions', hidden: true }] : [])]} />
            <tbody>
              {list.data.items.map((item) => {
                const name = nameOf(item);
                const managed = item.managed_file ?? null;
                const reasonId = `managed-${title.replace(/\W+/g, '-')}-${item.id}`;
                const locked = managed !== null;
                return (
                  <tr key={item.id} className={item.is_active ? '' : 'row-inactive'}>
                    {cells(item)}
                    <td className="cell-active" data-label="Active">
                      {canWrite ? (
                        <label className="switch" title={locked ? managedReason(managed) : undefined}>
                          <input
                            type="checkbox"
                            checked={item.is_active}
                            disabled={busy === item.id || locked}
                            aria-describedby={locked ? reasonId : undefined}
                            onChange={(e) => act(item.id, () => setActive(item, e.target.checked))}
                          />
                          <span className="visually-hidden">Active: {name}</span>
                        </label>
                      ) : item.is_active ? (
                        'yes'
                      ) : (
                        'no'
                      )}
                      {locked && <ManagedBadge file={managed} id={reasonId} />}
                    </td>
                    {canWrite && (
                      <td className="actions">
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => onEdit(item)}
                          disabled={locked}
                          title={locked ? managedReason(managed) : undefined}
                          aria-describedby={locked ? reasonId : undefined}
                          aria-label={`Edit ${name}`}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="button button-small button-danger"
                          disabled={busy === item.id || locked}
                          title={locked ? managedReason(managed) : undefined}
                          aria-describedby={locked ? reasonId : undefined}
                          aria-label={`Delete ${name}`}
                          onClick={() => {
                            if (window.confirm(deleteQuestion(name))) void act(item.id, () => remove(item));
                          }}
                        >
                          Delete
                        </button>
                      </td>
                    )}
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
