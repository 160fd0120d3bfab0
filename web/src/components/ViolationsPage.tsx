import { type FormEvent, useEffect, useState } from 'react';
import { api, type ViolationQuery } from '../api/client.js';
import type { AppRule, MessageRule, ViolationSort } from '../api/types.js';
import { formatCount, formatMs, formatSpan, formatTime } from '../format.js';
import { VIOLATION_FIGURES } from '../live-refresh.js';
import { href, isPerLogRule, PER_LOG_KINDS, type PerLogRuleRef, type Route } from '../router.js';
import { useDashboard, useResource } from '../state.js';
import { PRESETS, type RangeChoice, rangeSpanDays, resolveRange } from '../time-range.js';
import { namesARange, pastTheEnd, queryParam, unknownValue, unreadable } from '../url-problems.js';
import { AppSelect } from './AppSelect.js';
import { answered, ResourceNote } from './ResourceNote.js';
import { useRangeZoom } from './range-zoom.js';
import { useTimelineEvents } from './timeline-events.js';
import { UrlNotice } from './UrlNotice.js';
import { Card, Empty, Loading, Pager } from './ui.js';
import { type BreakdownChoice, ViolationBreakdowns } from './ViolationBreakdowns.js';
import { ViolationHistogram } from './ViolationHistogram.js';
import { ViolationTable } from './ViolationTable.js';

const PER_PAGE = 50;
const lastPage = (total: number) => Math.max(1, Math.ceil(total / PER_PAGE));
const SORTS: readonly ViolationSort[] = ['-time', 'time', '-duration', 'duration'];
const SORT_WORDS: Record<ViolationSort, string> = {
  '-time': 'newest first',
  time: 'oldest first',
  '-duration': 'slowest first',
  duration: 'fastest first',
};

/** The URL's rule and notification ids that this list cannot show, read as the URL has them. */
function violationUrlProblems(route: Route): (string | undefined)[] {
  const hash = window.location.hash;
  const rawRule = queryParam(hash, 'rule');
  const rawIds = queryParam(hash, 'ids');
  const perLog = isPerLogRule(route.rule);
  return [
    route.rule && !perLog
      ? `rule=${rawRule} is not a rule with violations (${PER_LOG_KINDS.join(', ')}): its incidents are on the Incidents page — showing every rule's violations instead`
      : unreadable('rule', rawRule, route.rule !== undefined, 'a rule (<kind>:<id>)', "every rule's violations"),
    route.violationIds === undefined
      ? unreadable('ids', rawIds, false, 'a range of violation ids (<first>-<last>)', 'every violation')
      : perLog
        ? undefined
        : `ids=${rawIds} names one notification's violations only with its rule — showing every violation instead`,
  ];
}

/**
 * The recorded violations of the view the URL names: range, app, message key (exact or a
 * search), rule, page and sort. Filters replace the history entry; pages and sorts add one.
 */
export function ViolationsPage() {
  const { route, setView, range, live } = useDashboard();
  const { app, key, keyMatch, rule, level, violationIds } = route;
  const page = route.pageNumber ?? 1;
  const sort: ViolationSort = SORTS.includes(route.sort as ViolationSort) ? (route.sort as ViolationSort) : '-time';

  // The view names its range, so a copied URL shows the same rows (a bad one stays for the notice).
  useEffect(() => {
    if (!route.range && !namesARange(window.location.hash)) setView({ range }, { replace: true });
  }, [route.range, range, setView]);

  // Only rules that judge one log have violations; a window rule's link belongs to Incidents.
  const perLogRule = isPerLogRule(rule) ? rule : undefined;
  const filter: ViolationQuery = {
    app_name: app,
    message_key: key,
    key_match: keyMatch ?? 'exact',
    rule_type: perLogRule?.type,
    rule_id: perLogRule?.id,
    level,
    // A notification's link: exactly the violations it reported (ids name them with the rule).
    ids: perLogRule && violationIds ? `${violationIds.first}-${violationIds.last}` : undefined,
  };
  const filterKey = JSON.stringify(filter);
  const zoom = useRangeZoom();
  const events = useTimelineEvents(app, keyMatch ? undefined : key);
  const chooseBreakdown = (choice: BreakdownChoice) =>
    setView({
      ...(choice.key ? { key: choice.key, keyMatch: undefined } : {}),
      ...(choice.rule ? { rule: choice.rule } : {}),
      ...(choice.level ? { level: choice.level } : {}),
      pageNumber: undefined,
    });
  // The choice lists the apps with the most violations: the first page of 500.
  const apps = useResource((r, signal) => api.apps(r, signal, undefined, 1, 500), [], [], ['time']);
  const violations = useResource(
    (r, signal) => api.violations({ ...filter, page, per_page: PER_PAGE, sort }, r, signal),
    [filterKey, page, sort],
    [],
    VIOLATION_FIGURES,
  );
  const histogram = useResource(
    (r, signal) => api.violationHistogram(filter, r, signal),
    [filterKey],
    [],
    VIOLATION_FIGURES,
  );

  const appNames = apps.data?.apps.map((a) => a.app_name) ?? [];
  const keys = apps.data?.apps.find((a) => a.app_name === app)?.slowest_message_keys.map((k) => k.message_key) ?? [];
  const filtered = Boolean(app || key || perLogRule || level);
  const data = violations.data;
  const stale = data !== undefined && (violations.error !== undefined || live === 'offline');

  return (
    <div className="page">
      <Card title="Violations">
        <ViolationFilters app={app} messageKey={key} keyMatch={keyMatch} apps={appNames} keys={keys} />
        {perLogRule && (
          <RuleChip
            rule={perLogRule}
            onClear={() => setView({ rule: undefined, violationIds: undefined, pageNumber: undefined })}
          />
        )}
        {perLogRule && violationIds && (
          <p className="rule-chip" data-testid="notification-filter">
            <span>Only the violations one notification reported</span>
            <button
              type="button"
              className="button button-small button-ghost"
              onClick={() => setView({ violationIds: undefined, pageNumber: undefined })}
              aria-label="Show every violation of the rule in this range"
            >
              Show all of the rule
            </button>
          </p>
        )}
        {level && (
          <p className="rule-chip" data-testid="level-filter">
            <span>Level: {level}</span>
            <button
              type="button"
              className="button button-small button-ghost"
              onClick={() => setView({ level: undefined, pageNumber: undefined })}
              aria-label="Clear the level filter"
            >
              Clear level
            </button>
          </p>
        )}
        {zoom.base && route.range?.kind === 'custom' && (
          <p className="zoom-chip" data-testid="zoomed">
            <span>
              Zoomed: {formatSpan(route.range.from, route.range.to)} (
              {formatCount(route.range.to.getTime() - route.range.from.getTime())} ms)
            </span>
            <button type="button" className="button button-small" onClick={zoom.buttons.reset}>
              Reset zoom
            </button>
          </p>
        )}

        <UrlNotice
          problems={[
            unknownValue('sort', route.sort, SORTS, SORT_WORDS['-time']),
            ...violationUrlProblems(route),
            data && pastTheEnd(page, PER_PAGE, data.total),
          ]}
          action={
            data &&
            pastTheEnd(page, PER_PAGE, data.total) && (
              <a className="button button-small" href={href({ ...route, pageNumber: lastPage(data.total) })}>
                Last page
              </a>
            )
          }
        />
        <ResourceNote resource={violations.error ? violations : histogram} />
        {histogram.data && !violations.error && histogram.data.buckets.some((b) => b.count > 0) && (
          <ViolationHistogram
            histogram={histogram.data}
            onZoom={zoom.zoomTo}
            zoom={zoom.buttons}
            events={events.data}
          />
        )}
        <div className="violations-layout">
          <div className="violations-main">
            {!data ? (
              violations.error ? null : (
                <Loading />
              )
            ) : data.items.length === 0 ? (
              // Past the last page the rows are elsewhere, not absent: the notice above says so.
              answered(violations) && data.total === 0 && <EmptyView filtered={filtered} range={range} />
            ) : (
              <>
                <p className="muted result-count" aria-live="polite" data-testid="violation-count">
                  {formatCount(data.total)} violation{data.total === 1 ? '' : 's'}, {SORT_WORDS[sort]}
                  {stale && violations.loadedAt ? ` · as of ${formatTime(violations.loadedAt)}` : ''}
                </p>
                <ViolationTable
                  items={data.items}
                  sort={sort}
                  onSort={(next) => setView({ sort: next === '-time' ? undefined : next, pageNumber: undefined })}
                />
                <Pager
                  page={page}
                  perPage={PER_PAGE}
                  total={data.total}
                  onPage={(next) => setView({ pageNumber: next > 1 ? next : undefined })}
                  label="Violations"
                />
              </>
            )}
          </div>
          <ViolationBreakdowns
            filter={filter}
            active={{ key: keyMatch ? undefined : key, rule: perLogRule, level }}
            onChoose={chooseBreakdown}
          />
        </div>
      </Card>
    </div>
  );
}

/** "Rule: message #42 · checkout · GET /x > 500 ms", with a button that drops the rule filter. */
function RuleChip({ rule, onClear }: { rule: PerLogRuleRef; onClear: () => void }) {
  const [found, setFound] = useState<AppRule | MessageRule | null>();
  useEffect(() => {
    const controller = new AbortController();
    setFound(undefined);
    api.rules.list(rule.type, controller.signal).then(
      (rules) => setFound((rules.items as (AppRule | MessageRule)[]).find((r) => r.id === rule.id) ?? null),
      () => setFound(undefined),
    );
    return () => controller.abort();
  }, [rule.type, rule.id]);
  const described =
    found === undefined
      ? ''
      : found === null
        ? ' (deleted)'
        : ` · ${found.app_name}${'message_key' in found ? ` · ${found.message_key}` : ''} > ${formatMs(found.max_duration)}`;
  return (
    <p className="rule-chip" data-testid="rule-filter">
      <span>
        Rule: {rule.type} #{rule.id}
        {described}
      </span>
      <button
        type="button"
        className="button button-small button-ghost"
        onClick={onClear}
        aria-label="Clear the rule filter"
      >
        Clear rule
      </button>
    </p>
  );
}

/** No rows: say so, and offer wider ranges (a notification's window is often just a few minutes). */
function EmptyView({ filtered, range }: { filtered: boolean; range: RangeChoice }) {
  const { setRange, setView, maxDays } = useDashboard();
  const span = rangeSpanDays(range);
  const fits = (days: number) => maxDays === undefined || days <= maxDays;
  const wider = PRESETS.filter((p) => p.minutes / 1440 > span && p.minutes >= 1440 && fits(p.minutes / 1440));
  const widened = (): RangeChoice => {
    const { from, to } = resolveRange(range);
    const width = to.getTime() - from.getTime();
    let days = (width * 4) / 86_400_000;
    if (!fits(days)) days = maxDays!;
    const center = (from.getTime() + to.getTime()) / 2;
    const half = (days * 86_400_000) / 2;
    const end = Math.min(Date.now(), center + half);
    return { kind: 'custom', from: new Date(end - 2 * half), to: new Date(end) };
  };
  const canWiden = range.kind === 'custom' && fits(span) && span < (maxDays ?? Number.POSITIVE_INFINITY);
  return (
    <div className="empty-view">
      <Empty>No violations in this range{filtered ? ' for this filter' : ''}.</Empty>
      <fieldset className="empty-actions">
        <legend className="visually-hidden">Widen the range</legend>
        {canWiden && (
          <button type="button" className="button button-small" onClick={() => setRange(widened())}>
            Widen ×4
          </button>
        )}
        {wider.map((preset) => (
          <button
            key={preset.minutes}
            type="button"
            className="button button-small"
            onClick={() => setRange({ kind: 'preset', minutes: preset.minutes })}
          >
            {preset.label}
          </button>
        ))}
        {filtered && (
          <button
            type="button"
            className="button button-small button-ghost"
            onClick={() =>
              setView({
                app: undefined,
                key: undefined,
                keyMatch: undefined,
                rule: undefined,
                level: undefined,
                violationIds: undefined,
                pageNumber: undefined,
              })
            }
          >
            Clear filters
          </button>
        )}
      </fieldset>
    </div>
  );
}

const MATCH_HINTS = {
  exact: 'Exact match: the whole message key',
  prefix: 'Keys that start with the text',
  contains: 'Keys that contain the text',
} as const;

function ViolationFilters({
  app,
  messageKey,
  keyMatch,
  apps,
  keys,
}: {
  app?: string;
  messageKey?: string;
  keyMatch?: 'prefix' | 'contains';
  apps: string[];
  keys: string[];
}) {
  const { setView } = useDashboard();
  const [keyText, setKeyText] = useState(messageKey ?? '');
  const [match, setMatch] = useState<'exact' | 'prefix' | 'contains'>(keyMatch ?? 'exact');
  useEffect(() => setKeyText(messageKey ?? ''), [messageKey]);
  useEffect(() => setMatch(keyMatch ?? 'exact'), [keyMatch]);
  const apply = (text: string, how: typeof match) => {
    const key = text.trim() || undefined;
    setView({ key, keyMatch: key && how !== 'exact' ? how : undefined, pageNumber: undefined }, { replace: true });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(keyText, match);
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter violations">
      <AppSelect
        app={app ?? ''}
        apps={apps}
        onChange={(choice) => setView({ app: choice || undefined, pageNumber: undefined }, { replace: true })}
      />
      <label className="inline-field">
        <span>Message key</span>
        <input
          type="search"
          list="message-keys"
          value={keyText}
          placeholder="any"
          aria-describedby="key-match-hint"
          onChange={(e) => setKeyText(e.target.value)}
        />
        <datalist id="message-keys">
          {keys.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
      </label>
      <label className="inline-field">
        <span>Match</span>
        <select
          value={match}
          onChange={(e) => {
            const how = e.target.value as typeof match;
            setMatch(how);
            if (keyText.trim()) apply(keyText, how);
          }}
        >
          <option value="exact">Exact</option>
          <option value="prefix">Starts with</option>
          <option value="contains">Contains</option>
        </select>
      </label>
      <button type="submit" className="button">
        Filter
      </button>
      {(app || messageKey) && (
        <button
          type="button"
          className="button button-ghost"
          onClick={() =>
            setView({ app: undefined, key: undefined, keyMatch: undefined, pageNumber: undefined }, { replace: true })
          }
        >
          Clear
        </button>
      )}
      <p className="field-hint key-match-hint" id="key-match-hint">
        {MATCH_HINTS[match]} (case-sensitive)
      </p>
    </form>
  );
}
