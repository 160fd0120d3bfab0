import { api, type ViolationQuery } from '../api/client.js';
import type { BreakdownDimension, ViolationBreakdown } from '../api/types.js';
import { formatCount, formatTime } from '../format.js';
import { VIOLATION_FIGURES } from '../live-refresh.js';
import type { PerLogRuleRef } from '../router.js';
import { useResource } from '../state.js';

/** How many groups each breakdown lists. */
const TOP = 5;

type Item = ViolationBreakdown['items'][number];

/** The filter a click on an item sets; undefined: the item cannot be a filter (no key or level recorded). */
export interface BreakdownChoice {
  key?: string;
  rule?: PerLogRuleRef;
  level?: string;
}

const TITLES: Record<BreakdownDimension, string> = { key: 'By message key', rule: 'By rule', level: 'By level' };

function itemName(by: BreakdownDimension, item: Item): string {
  if (by === 'rule') {
    const scope = item.message_key ? `${item.app_name} · ${item.message_key}` : `${item.app_name} (app rule)`;
    return `${scope} · #${item.rule_id}`;
  }
  return item.value ?? (by === 'key' ? '(no key)' : '(no level)');
}

function choiceOf(by: BreakdownDimension, item: Item): BreakdownChoice | undefined {
  if (by === 'rule') {
    return item.rule_type && item.rule_id ? { rule: { type: item.rule_type, id: item.rule_id } } : undefined;
  }
  if (item.value === null) return undefined;
  return by === 'key' ? { key: item.value } : { level: item.value };
}

function isChosen(by: BreakdownDimension, item: Item, active: BreakdownChoice): boolean {
  if (by === 'rule') return active.rule?.type === item.rule_type && active.rule?.id === item.rule_id;
  return item.value !== null && (by === 'key' ? active.key : active.level) === item.value;
}

/**
 * The top message keys, rules and levels of the violations the list shows (same range and
 * filters), with their counts; clicking one adds it as a filter, so the list then shows exactly
 * that many.
 */
export function ViolationBreakdowns({
  filter,
  active,
  onChoose,
}: {
  filter: ViolationQuery;
  /** The filters in force: their items show as chosen. */
  active: BreakdownChoice;
  onChoose: (choice: BreakdownChoice) => void;
}) {
  return (
    <aside className="breakdowns" aria-label="Violation breakdowns" data-testid="breakdowns">
      {(['key', 'rule', 'level'] as const).map((by) => (
        <Breakdown key={by} by={by} filter={filter} active={active} onChoose={onChoose} />
      ))}
    </aside>
  );
}

function Breakdown({
  by,
  filter,
  active,
  onChoose,
}: {
  by: BreakdownDimension;
  filter: ViolationQuery;
  active: BreakdownChoice;
  onChoose: (choice: BreakdownChoice) => void;
}) {
  const breakdown = useResource(
    (range, signal) => api.violationBreakdown(filter, by, TOP, range, signal),
    [JSON.stringify(filter), by],
    [],
    VIOLATION_FIGURES,
  );
  const data = breakdown.data;
  return (
    <section className="breakdown" data-testid={`breakdown-${by}`}>
      <h3>{TITLES[by]}</h3>
      {/* The page's own banner reports a failed request; here only what it means for these counts. */}
      {breakdown.error && breakdown.error.status !== 401 && (
        <p className="muted small as-of" data-testid={`breakdown-${by}-error`}>
          {data && breakdown.loadedAt
            ? `As of ${formatTime(breakdown.loadedAt)}: ${breakdown.error.message}`
            : `Counts not loaded: ${breakdown.error.message}`}{' '}
          <button type="button" className="button button-small button-ghost" onClick={breakdown.reload}>
            Retry
          </button>
        </p>
      )}
      {data && !breakdown.error && data.items.length === 0 && <p className="muted small">None.</p>}
      {data && data.items.length > 0 && (
        <ol>
          {data.items.map((item) => {
            const choice = choiceOf(by, item);
            const name = itemName(by, item);
            return (
              <li key={`${item.rule_type ?? ''}${item.rule_id ?? ''}${item.value ?? ''}`}>
                <button
                  type="button"
                  className="breakdown-item"
                  aria-pressed={isChosen(by, item, active)}
                  disabled={!choice}
                  title={choice ? `Show only ${name}` : `${name}: cannot be chosen as a filter`}
                  data-count={item.count}
                  onClick={() => choice && onChoose(choice)}
                >
                  <span className="breakdown-name">{name}</span>
                  <span className="breakdown-count">{formatCount(item.count)}</span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
      {data && data.other > 0 && (
        <p className="muted small">
          {formatCount(data.other)} more in {formatCount(data.groups - data.items.length)} other
          {data.groups - data.items.length === 1 ? '' : 's'}
        </p>
      )}
    </section>
  );
}
