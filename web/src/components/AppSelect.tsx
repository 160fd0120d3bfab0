/**
 * The App select of a filter: "All apps" is the empty value. The chosen app stays a choice even
 * when it has not logged in the current range.
 */
export function AppSelect({ app, apps, onChange }: { app: string; apps: string[]; onChange: (app: string) => void }) {
  const choices = app && !apps.includes(app) ? [app, ...apps] : apps;
  return (
    <label className="inline-field">
      <span>App</span>
      <select value={app} onChange={(e) => onChange(e.target.value)}>
        <option value="">All apps</option>
        {choices.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
