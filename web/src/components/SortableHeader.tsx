/** A column the reader can sort by: `sort` is the API's name for it. */
export interface SortableColumn<C extends string> {
  sort: C;
  label: string;
  /** As on the column's cells (`num`, `hide-narrow`). */
  className?: string;
  /** The direction of the first click: descending for figures (worst first), ascending for names. */
  first?: 'ascending' | 'descending';
}

export type SortToken<C extends string> = C | `-${C}`;

/** The URL's `sort` when it names one of the columns (`p95_ms`, `-p95_ms`), else undefined. */
export function sortOf<C extends string>(
  value: string | undefined,
  columns: readonly SortableColumn<C>[],
): SortToken<C> | undefined {
  if (!value) return undefined;
  const name = value.startsWith('-') ? value.slice(1) : value;
  return columns.some((c) => c.sort === name) ? (value as SortToken<C>) : undefined;
}

/** The sorted column stays in view at phone width: its `hide-narrow` (if any) is dropped. */
export function keepSortedInView<C extends string>(
  columns: readonly SortableColumn<C>[],
  sort: SortToken<C>,
): SortableColumn<C>[] {
  const current = sort.startsWith('-') ? sort.slice(1) : sort;
  return columns.map((c) =>
    c.sort === current && c.className ? { ...c, className: c.className.replace(/\s*\bhide-narrow\b/, '') } : c,
  );
}

/** The class of a cell of `column` (as its heading's, once keepSortedInView has run). */
export function cellClass<C extends string>(columns: readonly SortableColumn<C>[], column: C): string | undefined {
  return columns.find((c) => c.sort === column)?.className;
}

/**
 * A heading row whose headings are sort buttons: a click sorts by that column (first in its
 * `first` direction), a second click reverses it. The sorted heading carries `aria-sort`.
 */
export function SortableHeader<C extends string>({
  columns,
  sort,
  onSort,
}: {
  columns: readonly SortableColumn<C>[];
  sort: SortToken<C>;
  onSort: (sort: SortToken<C>) => void;
}) {
  const descending = sort.startsWith('-');
  const current = descending ? sort.slice(1) : sort;
  return (
    <thead>
      <tr>
        {columns.map((column) => {
          const active = column.sort === current;
          const direction = active ? (descending ? 'descending' : 'ascending') : undefined;
          const next =
            (active ? (descending ? 'ascending' : 'descending') : (column.first ?? 'descending')) === 'descending'
              ? (`-${column.sort}` as const)
              : column.sort;
          return (
            <th key={column.sort} scope="col" className={column.className} aria-sort={direction}>
              <button
                type="button"
                className={`sort-button${active ? ' sort-active' : ''}`}
                onClick={() => onSort(next)}
              >
                {column.label}
                <span className="sort-mark" aria-hidden="true">
                  {direction === 'ascending' ? '▲' : direction === 'descending' ? '▼' : '↕'}
                </span>
              </button>
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
