import { useState } from 'react';
import type { Violation, ViolationSort } from '../api/types.js';
import { formatDateTime, formatMs, formatTime } from '../format.js';
import { href } from '../router.js';
import { BreakableKey } from './BreakableKey.js';
import { MuteButton } from './MuteButton.js';
import { toggleUnlessControl } from './row-toggle.js';
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
  const [open, setOpen] = useState<number>();
  return (
    <div className="table-wrap">
      <table className="table vtable" aria-label="Violations">
        <thead>
          <tr>
            <SortableHeading label="Time" column="time" sort={sort} onSort={onSort} />
            <th scope="col" className="vt-narrow-hide">
              App
            </th>
            <th scope="col">
              <span className="vt-narrow-hide">Message key</span>
              <span className="vt-narrow-show">App / key</span>
            </th>
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
            <th scope="col" className="vt-narrow-hide">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((v) => (
            <ViolationRow
              key={v.id}
              violation={v}
              open={open === v.id}
              onToggle={() => setOpen(open === v.id ? undefined : v.id)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const COLUMN_COUNT = 9;

function muteTarget(v: Violation) {
  return {
    app: v.app_name,
    notificationKey: v.rule_type === 'message' ? v.message_key : null,
    shownKey: v.message_key,
  };
}

/**
 * One violation. At phone width the row keeps time, app / key, duration and trace; a tap on it
 * (or its disclosure) opens a row below with every column and Mute.
 */
function ViolationRow({ violation: v, open, onToggle }: { violation: Violation; open: boolean; onToggle: () => void }) {
  const detailId = `violation-${v.id}-detail`;
  return (
    <>
      <tr data-id={v.id} className="row-opens" onClick={(event) => toggleUnlessControl(event, onToggle)}>
        <td className="nowrap">
          <button type="button" className="disclosure" aria-expanded={open} aria-controls={detailId} onClick={onToggle}>
            <span aria-hidden="true">{open ? '▾' : '▸'}</span>{' '}
            <time dateTime={v.log_time}>{formatTime(v.log_time)}</time>
            <span className="visually-hidden"> — details</span>
          </button>
        </td>
        <td className="vt-narrow-hide">{v.app_name}</td>
        <td>
          <div className="vt-narrow-show vt-app">{v.app_name}</div>
          <span className="vt-key">
            {v.message_key ? <BreakableKey value={v.message_key} /> : <span className="muted">—</span>}
          </span>
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
        <td className="vt-narrow-hide">
          <MuteButton {...muteTarget(v)} />
        </td>
      </tr>
      {open && (
        <tr className="detail-row" id={detailId} data-testid="violation-detail">
          <td colSpan={COLUMN_COUNT}>
            <ViolationDetail violation={v} />
          </td>
        </tr>
      )}
    </>
  );
}

/** Every column of a violation, and what only fits here: its whole trace id, its message. */
function ViolationDetail({ violation: v }: { violation: Violation }) {
  return (
    <dl className="facts violation-facts">
      <dt>Time</dt>
      <dd>{formatDateTime(v.log_time)}</dd>
      <dt>App</dt>
      <dd>{v.app_name}</dd>
      <dt>Message key</dt>
      <dd>{v.message_key ? <BreakableKey value={v.message_key} /> : '—'}</dd>
      <dt>Duration</dt>
      <dd>
        {formatMs(v.duration_ms)} (×{(v.duration_ms / v.threshold_ms).toFixed(1)} its threshold)
      </dd>
      <dt>Threshold</dt>
      <dd>{formatMs(v.threshold_ms)}</dd>
      <dt>Rule</dt>
      <dd>
        {v.rule_type} rule #{v.rule_id}
      </dd>
      <dt>Level</dt>
      <dd>
        <LevelBadge level={v.level} />
      </dd>
      <dt>Trace</dt>
      <dd>
        {v.correlation_id ? (
          <a href={href({ page: 'trace', id: v.correlation_id })}>
            <BreakableKey value={v.correlation_id} />
          </a>
        ) : (
          '—'
        )}
      </dd>
      {v.message && (
        <>
          <dt>Message</dt>
          <dd className="violation-message">{v.message}</dd>
        </>
      )}
      <dt>Notifications</dt>
      <dd>
        <MuteButton {...muteTarget(v)} />
      </dd>
    </dl>
  );
}
