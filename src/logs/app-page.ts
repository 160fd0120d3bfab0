import type { AppSort, AppSortColumn } from './app-sort.js';
import { percentOf, roundMs } from './figure-rounding.js';
import type { AppFigures, AppPage, AppPageRequest, AppStats } from './source.js';

export type { AppFigures, AppPage, AppPageRequest } from './source.js';

/**
 * Apps with logs in the range, plus apps with recorded violations but no logs left in the
 * source (retention), ordered across all of them: by `sort` (figures without a value last either
 * way, ties by name), else by violations, then p95, both descending; then cut to one page. Only
 * the page's apps get their message keys written out, so an answer stays small however many
 * apps there are.
 */
export function pageApps(stats: readonly AppStats[], request: AppPageRequest): AppPage {
  type Entry = { figures: AppFigures; stats: AppStats | undefined };
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const s of stats) {
    if (s.app === '') continue;
    seen.add(s.app);
    const count = request.violations.get(s.app) ?? 0;
    entries.push({
      stats: s,
      figures: {
        app_name: s.app,
        logs: s.count,
        avg_ms: roundMs(s.avgMs),
        p95_ms: roundMs(s.p95Ms),
        max_ms: roundMs(s.maxMs),
        violations: count,
        violation_rate: percentOf(count, s.count),
        slowest_message_keys: [],
      },
    });
  }
  for (const [app, count] of request.violations) {
    if (seen.has(app)) continue;
    entries.push({
      stats: undefined,
      figures: {
        app_name: app,
        logs: 0,
        avg_ms: null,
        p95_ms: null,
        max_ms: null,
        violations: count,
        violation_rate: 0,
        slowest_message_keys: [],
      },
    });
  }
  const order = request.sort === undefined ? byDefaultOrder : bySort(request.sort);
  entries.sort((x, y) => order(x.figures, y.figures));
  const start = (request.page - 1) * request.perPage;
  const apps = entries.slice(start, start + request.perPage).map(({ figures, stats }) => ({
    ...figures,
    slowest_message_keys: keyFigures(stats?.slowestKeys ?? [], request.keysPerApp),
  }));
  return { apps, total: entries.length };
}

/** An app's slowest message keys as `/dashboard/apps` lists them (at most `keysPerApp`). */
export function keyFigures(keys: AppStats['slowestKeys'], keysPerApp: number): AppFigures['slowest_message_keys'] {
  return keys.slice(0, Math.max(0, keysPerApp)).map((k) => ({
    message_key: k.messageKey,
    count: k.count,
    avg_ms: roundMs(k.avgMs),
    p95_ms: roundMs(k.p95Ms),
    max_ms: roundMs(k.maxMs),
  }));
}

// One collator for every comparison: localeCompare's order, without building one per call
// (over 100,000 apps that made the sort take seconds).
const collator = new Intl.Collator();
const byName = (x: AppFigures, y: AppFigures) => collator.compare(x.app_name, y.app_name);

function byDefaultOrder(x: AppFigures, y: AppFigures): number {
  return y.violations - x.violations || (y.p95_ms ?? -1) - (x.p95_ms ?? -1) || byName(x, y);
}

function bySort(sort: AppSort): (x: AppFigures, y: AppFigures) => number {
  const descending = sort.startsWith('-');
  const column = (descending ? sort.slice(1) : sort) as AppSortColumn;
  const sign = descending ? -1 : 1;
  if (column === 'app_name') return (x, y) => sign * byName(x, y);
  return (x, y) => {
    const a = x[column];
    const b = y[column];
    if (a === null || b === null) return a === b ? byName(x, y) : a === null ? 1 : -1;
    return sign * (a - b) || byName(x, y);
  };
}
