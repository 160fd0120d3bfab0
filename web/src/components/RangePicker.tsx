import { type FormEvent, useState } from 'react';
import { useDashboard } from '../state.js';
import { PRESETS, toLocalInput } from '../time-range.js';

export function RangePicker() {
  const { range, setRange } = useDashboard();
  const [custom, setCustom] = useState(range.kind === 'custom');
  const [from, setFrom] = useState(() =>
    toLocalInput(range.kind === 'custom' ? range.from : new Date(Date.now() - 3600_000)),
  );
  const [to, setTo] = useState(() => toLocalInput(range.kind === 'custom' ? range.to : new Date()));
  const [problem, setProblem] = useState<string>();

  const value = custom ? 'custom' : range.kind === 'preset' ? String(range.minutes) : 'custom';

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const start = new Date(from);
    const end = new Date(to);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return setProblem('Enter both times.');
    if (end <= start) return setProblem('The end must come after the start.');
    setProblem(undefined);
    setRange({ kind: 'custom', from: start, to: end });
  };

  return (
    <div className="range-picker">
      <label className="inline-field">
        <span className="visually-hidden-narrow">Time range</span>
        <select
          value={value}
          onChange={(e) => {
            if (e.target.value === 'custom') return setCustom(true);
            setCustom(false);
            setRange({ kind: 'preset', minutes: Number(e.target.value) });
          }}
        >
          {PRESETS.map((preset) => (
            <option key={preset.minutes} value={preset.minutes}>
              {preset.label}
            </option>
          ))}
          <option value="custom">Custom range…</option>
        </select>
      </label>
      {custom && (
        <form className="custom-range" onSubmit={apply} aria-label="Custom time range">
          <label className="inline-field">
            <span>From</span>
            <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
          </label>
          <label className="inline-field">
            <span>To</span>
            <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required />
          </label>
          <button type="submit" className="button">
            Apply
          </button>
          {problem && (
            <p className="field-error" role="alert">
              {problem}
            </p>
          )}
        </form>
      )}
    </div>
  );
}
