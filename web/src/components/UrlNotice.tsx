/** What the URL asked for that this view cannot show, and what it shows instead: never silently. */
export function UrlNotice({ problems, action }: { problems: (string | undefined)[]; action?: React.ReactNode }) {
  const shown = problems.filter((p): p is string => p !== undefined);
  if (shown.length === 0) return null;
  return (
    <div className="note note-warn" role="status" data-testid="url-notice">
      <span>
        This link {shown.length === 1 ? 'has a value' : 'has values'} the dashboard cannot show: {shown.join('; ')}.
      </span>
      {action}
    </div>
  );
}
