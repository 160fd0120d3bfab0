import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { type AppFigures, type AppPage, pageApps } from '../logs/app-page.js';
import type { AppStats, LogSource, TimeRange } from '../logs/source.js';
import { violationsPerApp } from '../violations/violation-store.js';
import type { AppSort } from './app-sort.js';
import { iso } from './time-range.js';

export type { AppFigures } from '../logs/app-page.js';

/** How many of each app's slowest message keys `/dashboard/apps` lists. */
export const SLOWEST_KEYS_PER_APP = 5;

export interface AppsPaging {
  page: number;
  per_page: number;
}

export interface AppsReport {
  from: string;
  to: string;
  /** One page of the apps. */
  apps: AppFigures[];
  /** Every app of the range (`apps` lists one page of them). */
  total: number;
  page: number;
  per_page: number;
}

/**
 * `GET /dashboard/apps`: per app figures from the source, its violations from the state
 * database. The source orders every app and answers one page, so neither the answer nor the
 * work on the event loop grows with the number of apps.
 */
export async function computeApps(
  source: LogSource,
  db: Kysely<Database>,
  range: TimeRange,
  sort: AppSort | undefined,
  paging: AppsPaging,
  keysPerApp = SLOWEST_KEYS_PER_APP,
): Promise<AppsReport> {
  const violations = await violationsPerApp(db, range);
  const found = await source.appPage(range, {
    keysPerApp,
    sort,
    page: paging.page,
    perPage: paging.per_page,
    violations,
  });
  return report(range, found, paging);
}

/** The same ordering and paging over figures already read (tests, sources without appPage). */
export function buildApps(
  range: TimeRange,
  stats: AppStats[],
  violations: ReadonlyMap<string, number>,
  sort: AppSort | undefined,
  paging: AppsPaging,
  keysPerApp = SLOWEST_KEYS_PER_APP,
): AppsReport {
  const found = pageApps(stats, { keysPerApp, sort, page: paging.page, perPage: paging.per_page, violations });
  return report(range, found, paging);
}

function report(range: TimeRange, found: AppPage, paging: AppsPaging): AppsReport {
  return { from: iso(range.from), to: iso(range.to), apps: found.apps, total: found.total, ...paging };
}
