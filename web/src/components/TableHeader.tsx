/** A column heading: `className` as on the column's cells, `hidden` keeps it for screen readers only. */
export interface Column {
  label: string;
  className?: string;
  hidden?: boolean;
}

/** The heading row of a table; a plain string is a column without a class. */
export function TableHeader({ columns }: { columns: (Column | string)[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => {
          const { label, className, hidden }: Column = typeof column === 'string' ? { label: column } : column;
          return (
            <th key={label} scope="col" className={className}>
              {hidden ? <span className="visually-hidden">{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
