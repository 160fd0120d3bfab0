import type { Violation, ViolationSort } from '../api/types.js';
import { formatMs, formatTime } from '../format.js';
import { href } from '../router.js';
import { MuteButton } from './MuteButton.js';
import { Badge, LevelBadge } from './ui.js';

/** A column the API sorts by: a button in its heading, with aria-sort on the heading. */
function SortableHeading({
  label,
  column,
  sort,
  onSort,
  className,
}: {
  label: string;
  column: 'time' | 'duration';
  sort: ViolationSort;
  onSort: (sort: ViolationSort) => void;
  className?: string;
}) {
  const active = sort.replace('-', '') === column;
  const descending = sort.startsWith('-');
  // A new column starts with its most useful order: newest, slowest.
  const next: ViolationSort = active ? (descending ? column : `-${column}`) : `-${column}`;
  return (
    <th scope="col" className={className} aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(next)}>
        {label}
        <span className="sort-mark" aria-hidden="true">
          {active ? (descending ? '▼' : '▲') : '↕'}
        </span>
      </button>
    </th>
  );
}

export function ViolationTable({
  items,
  sort,
  onSort,
}: {
  items: Violation[];
  sort: ViolationSort;
  onSort: (sort: ViolationSort) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="table vtable" aria-label="Violations">
        <thead>
          <tr>
            <SortableHeading label="Time" column="time" sort={sort} onSort={onSort} />
            <th scope="col" className="vt-narrow-hide">
              App
            </th>
            <th scope="col">Message key</th>
            <SortableHeading label="Duration" column="duration" sort={sort} onSort={onSort} className="num" />
            <th scope="col" className="num vt-narrow-hide">
              Threshold
            </th>
            <th scope="col" className="vt-narrow-hide">
              Rule
            </th>
            <th scope="col" className="vt-narrow-hide">
              Level
            </th>
            <th scope="col">Trace</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((v) => (
            <tr key={v.id} data-id={v.id}>
              <td className="nowrap">
                <time dateTime={v.log_time}>{formatTime(v.log_time)}</time>
              </td>
              <td className="vt-narrow-hide">{v.app_name}</td>
              <td className="vt-key">
                {v.message_key ? <code title={v.message_key}>{v.message_key}</code> : <span className="muted">—</span>}
              </td>
              <td className="num text-bad nowrap">
                <strong>{formatMs(v.duration_ms)}</strong>
                <span className="ratio"> ×{(v.duration_ms / v.threshold_ms).toFixed(1)}</span>
              </td>
              <td className="num vt-narrow-hide">{formatMs(v.threshold_ms)}</td>
              <td className="vt-narrow-hide">
                <Badge tone={v.rule_type === 'message' ? 'info' : 'muted'}>
                  {v.rule_type} #{v.rule_id}
                </Badge>
              </td>
              <td className="vt-narrow-hide">
                <LevelBadge level={v.level} />
              </td>
              <td className="nowrap">
                {v.correlation_id ? (
                  <a href={href({ page: 'trace', id: v.correlation_id })} title={v.correlation_id}>
                    <code>{v.correlation_id.slice(0, 8)}</code>
                  </a>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td>
                <MuteButton app={v.app_name} messageKey={v.rule_type === 'message' ? v.message_key : null} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
