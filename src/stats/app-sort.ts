// The sort columns live beside the log sources, which page `/dashboard/apps` themselves.
export { APP_SORT_COLUMNS, type AppSort, type AppSortColumn } from '../logs/app-sort.js';
