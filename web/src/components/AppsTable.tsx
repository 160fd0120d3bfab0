import { useState } from 'react';
import { api } from '../api/client.js';
import type { AppSort, AppSortColumn, AppStats, AppsPage, KeyStats } from '../api/types.js';
import { formatCount, formatMs, formatPercent } from '../format.js';
import { href } from '../router.js';
import { type Resource, useDashboard, useResource } from '../state.js';
import { pastTheEnd, unknownValue } from '../url-problems.js';
import { answered, ResourceNote } from './ResourceNote.js';
import { cellClass, keepSortedInView, type SortableColumn, SortableHeader, sortOf } from './SortableHeader.js';
import { type Column, TableHeader } from './TableHeader.js';
import { UrlNotice } from './UrlNotice.js';
import { Card, Empty, Loading, Pager } from './ui.js';

/** Every figure sorts through the API (`GET /dashboard/apps?sort=`), over all apps of the range. */
const COLUMNS: SortableColumn<AppSortColumn>[] = [
  { sort: 'app_name', label: 'App', first: 'ascending' },
  { sort: 'logs', label: 'Logs', className: 'num' },
  { sort: 'avg_ms', label: 'Avg', className: 'num' },
  { sort: 'p95_ms', label: 'p95', className: 'num' },
  { sort: 'max_ms', label: 'Worst', className: 'num hide-narrow' },
  { sort: 'violations', label: 'Violations', className: 'num' },
  { sort: 'violation_rate', label: 'Rate', className: 'num hide-narrow' },
];
/** The API's order without `sort`: violations (then p95), descending. */
const DEFAULT_SORT: AppSort = '-violations';
/** Apps per page of the table (the API's default page). */
const PER_PAGE = 50;

/**
 * One page of the apps of the range in the URL's `sort`, at the URL's `page` (re-sorting keeps
 * the old rows on screen meanwhile): however many apps there are, the page answers quickly.
 */
export function useSortedApps(): Resource<AppsPage> {
  const { route } = useDashboard();
  const sort = sortOf(route.sort, COLUMNS) as AppSort | undefined;
  const page = route.pageNumber ?? 1;
  return useResource((range, signal) => api.apps(range, signal, sort, page, PER_PAGE), [], [sort, page]);
}

/** The apps table of the overview (`apps` from useSortedApps): its sort and page live in the URL (`sort`, `page`). */
export function AppsTable({ apps, onChart }: { apps: Resource<AppsPage>; onChart: (app: string) => void }) {
  const { route, setView } = useDashboard();
  const sort = sortOf(route.sort, COLUMNS) as AppSort | undefined;
  const page = route.pageNumber ?? 1;
  const [open, setOpen] = useState<string>();
  const shown = apps.data?.apps ?? [];
  const total = apps.data?.total ?? 0;
  const first = (page - 1) * PER_PAGE;
  const columns = keepSortedInView(COLUMNS, sort ?? DEFAULT_SORT);
  return (
    <Card title="Apps" className="span-wide">
      <UrlNotice
        problems={[
          sort === undefined
            ? unknownValue(
                'sort',
                route.sort,
                COLUMNS.flatMap((c) => [c.sort, `-${c.sort}`]),
                'most violations first',
              )
            : undefined,
          apps.data && pastTheEnd(page, PER_PAGE, total),
        ]}
      />
      <ResourceNote resource={apps} />
      {!apps.data ? (
        apps.error ? null : (
          <Loading />
        )
      ) : total === 0 ? (
        answered(apps) && <Empty>No app has logged in this range.</Empty>
      ) : (
        <div className="table-wrap">
          {total > shown.length && (
            <p className="muted small" data-testid="apps-shown">
              {shown.length === 0
                ? `No apps on this page; ${formatCount(total)} apps in all.`
                : `Apps ${formatCount(first + 1)}–${formatCount(first + shown.length)} of ${formatCount(total)}: ${formatCount(total - shown.length)} more apps on other pages.`}
            </p>
          )}
          <table className="table" aria-label="Apps" aria-busy={apps.loading}>
            <SortableHeader
              columns={columns}
              sort={sort ?? DEFAULT_SORT}
              onSort={(next) => setView({ sort: next === DEFAULT_SORT ? undefined : next, pageNumber: undefined })}
            />
            <tbody>
              {shown.map((app) => (
                <AppRow
                  key={app.app_name}
                  app={app}
                  columns={columns}
                  open={open === app.app_name}
                  onToggle={() => setOpen(open === app.app_name ? undefined : app.app_name)}
                  onChart={() => onChart(app.app_name)}
                />
              ))}
            </tbody>
          </table>
          <Pager
            page={page}
            perPage={PER_PAGE}
            total={total}
            onPage={(next) => setView({ pageNumber: next > 1 ? next : undefined })}
            label="Apps"
          />
        </div>
      )}
    </Card>
  );
}

/** Columns (and their cells) the apps table shares with each app's table of slowest message keys. */
const TIMING_COLUMNS: Column[] = [
  { label: 'Logs', className: 'num' },
  { label: 'Avg', className: 'num' },
  { label: 'p95', className: 'num' },
];

function TimingCells({ logs, stats }: { logs: number; stats: Pick<KeyStats, 'avg_ms' | 'p95_ms'> }) {
  return (
    <>
      <td className="num">{formatCount(logs)}</td>
      <td className="num">{formatMs(stats.avg_ms)}</td>
      <td className="num">{formatMs(stats.p95_ms)}</td>
    </>
  );
}

function AppRow({
  app,
  columns,
  open,
  onToggle,
  onChart,
}: {
  app: AppStats;
  columns: readonly SortableColumn<AppSortColumn>[];
  open: boolean;
  onToggle: () => void;
  onChart: () => void;
}) {
  // The counts link to the same range's violations.
  const { range } = useDashboard();
  return (
    <>
      <tr>
        <th scope="row">
          <button type="button" className="disclosure" aria-expanded={open} onClick={onToggle}>
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {app.app_name}
          </button>
        </th>
        <TimingCells logs={app.logs} stats={app} />
        <td className={cellClass(columns, 'max_ms')}>{formatMs(app.max_ms)}</td>
        <td className="num">
          {app.violations > 0 ? (
            <a href={href({ page: 'violations', app: app.app_name, range })} className="text-bad">
              {formatCount(app.violations)}
            </a>
          ) : (
            <span className="muted">0</span>
          )}
        </td>
        <td className={cellClass(columns, 'violation_rate')}>
          {app.violations > 0 ? formatPercent(app.violation_rate) : <span className="muted">0%</span>}
        </td>
      </tr>
      {open && (
        <tr className="detail-row">
          <td colSpan={COLUMNS.length}>
            <div className="detail">
              <div className="detail-head">
                <strong>Slowest message keys</strong>
                <button type="button" className="button button-small" onClick={onChart}>
                  Chart this app
                </button>
              </div>
              {app.slowest_message_keys.length === 0 ? (
                <Empty>No timed logs.</Empty>
              ) : (
                <table className="table table-compact" aria-label={`Slowest message keys of ${app.app_name}`}>
                  <TableHeader columns={['Message key', ...TIMING_COLUMNS, { label: 'Worst', className: 'num' }]} />
                  <tbody>
                    {app.slowest_message_keys.map((key) => (
                      <tr key={key.message_key}>
                        <td>
                          <a href={href({ page: 'violations', app: app.app_name, key: key.message_key, range })}>
                            <code>{key.message_key}</code>
                          </a>
                        </td>
                        <TimingCells logs={key.count} stats={key} />
                        <td className="num">{formatMs(key.max_ms)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </td>
        </tr>
      )}
    </>
  );
}
