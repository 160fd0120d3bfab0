import { type FormEvent, useEffect, useState } from 'react';
import { zoneLabel } from '../format.js';
import { useDashboard } from '../state.js';
import { fromLocalInput, PRESETS, toLocalInput } from '../time-range.js';

export function RangePicker() {
  const { range, setRange, maxDays } = useDashboard();
  const [custom, setCustom] = useState(range.kind === 'custom');
  const [from, setFrom] = useState(() =>
    toLocalInput(range.kind === 'custom' ? range.from : new Date(Date.now() - 3600_000)),
  );
  const [to, setTo] = useState(() => toLocalInput(range.kind === 'custom' ? range.to : new Date()));
  const [problem, setProblem] = useState<string>();

  // A range from the URL (a link, back/forward) shows in the fields.
  useEffect(() => {
    if (range.kind !== 'custom') return;
    setCustom(true);
    setFrom(toLocalInput(range.from));
    setTo(toLocalInput(range.to));
  }, [range]);

  const value = custom ? 'custom' : range.kind === 'preset' ? String(range.minutes) : 'custom';
  const overLimit = (days: number) => maxDays !== undefined && days > maxDays;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const start = fromLocalInput(from);
    const end = fromLocalInput(to);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return setProblem('Enter both times.');
    if (end <= start) return setProblem('The end must come after the start.');
    const days = (end.getTime() - start.getTime()) / 86_400_000;
    if (overLimit(days)) {
      return setProblem(
        `That range spans ${Math.ceil(days)} days; this server shows at most ${maxDays} days (DASHBOARD_MAX_DAYS). Choose a shorter range.`,
      );
    }
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
            setProblem(undefined);
            setRange({ kind: 'preset', minutes: Number(e.target.value) });
          }}
        >
          {PRESETS.map((preset) => {
            const tooLong = overLimit(preset.minutes / 1440);
            return (
              <option key={preset.minutes} value={preset.minutes} disabled={tooLong}>
                {preset.label}
                {tooLong ? ` (over the ${maxDays}-day limit)` : ''}
              </option>
            );
          })}
          <option value="custom">Custom range…</option>
        </select>
      </label>
      {custom && (
        <form className="custom-range" onSubmit={apply} aria-label="Custom time range" noValidate>
          <label className="inline-field">
            <span>From ({zoneLabel()})</span>
            <input
              type="datetime-local"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              required
              aria-invalid={problem !== undefined}
            />
          </label>
          <label className="inline-field">
            <span>To ({zoneLabel()})</span>
            <input
              type="datetime-local"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              required
              aria-invalid={problem !== undefined}
            />
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
