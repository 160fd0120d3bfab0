/**
 * The figures `/dashboard/apps` can be sorted by (`sort=<column>`, `-<column>` for descending).
 * A leaf module: the HTTP schema and the web dashboard's types read it without the stats code;
 * the log sources order their app pages by it.
 */
export const APP_SORT_COLUMNS = [
  'app_name',
  'logs',
  'avg_ms',
  'p95_ms',
  'max_ms',
  'violations',
  'violation_rate',
] as const;
export type AppSortColumn = (typeof APP_SORT_COLUMNS)[number];
export type AppSort = AppSortColumn | `-${AppSortColumn}`;
