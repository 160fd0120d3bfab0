import { type FormEvent, useEffect, useState } from 'react';
import { timeZoneMode, zoneLabel } from '../format.js';
import { useDashboard } from '../state.js';
import { customFields, PRESETS, rangeKey, readCustomRange, resolveRange, sameRange } from '../time-range.js';

/**
 * The range in use, and the way to change it. What it shows is derived from the range the page
 * shows (the URL's, else the remembered one): a link, Back or a nav link put their range here too.
 * The custom fields hold seconds; Apply without a change keeps the range to the millisecond.
 */
export function RangePicker() {
  const { range, setRange, maxDays } = useDashboard();
  // "Custom range…" chosen over a preset, not applied yet.
  const [editing, setEditing] = useState(false);
  const [fields, setFields] = useState(() => customFields(range));
  const [problem, setProblem] = useState<string>();
  const zone = timeZoneMode();

  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names the range; the zone changes how the fields read
  useEffect(() => {
    setEditing(false);
    setFields(customFields(range));
    setProblem(undefined);
  }, [rangeKey(range), zone]);

  const custom = editing || range.kind === 'custom';
  const value = range.kind === 'preset' && !editing ? String(range.minutes) : 'custom';
  const overLimit = (days: number) => maxDays !== undefined && days > maxDays;
  const shown = range.kind === 'custom' ? resolveRange(range) : undefined;
  const read = readCustomRange(fields, shown, maxDays);
  const pending = !('range' in read) || !sameRange(read.range, range);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if ('problem' in read) return setProblem(read.problem);
    setProblem(undefined);
    // The same range again: the same URL, the same figures.
    if (sameRange(read.range, range)) return;
    setRange(read.range);
  };

  return (
    <div className="range-picker" data-testid="range-picker">
      <label className="inline-field">
        <span className="visually-hidden-narrow">Time range</span>
        <select
          value={value}
          onChange={(e) => {
            setProblem(undefined);
            if (e.target.value === 'custom') {
              setFields(customFields(range));
              return setEditing(true);
            }
            setEditing(false);
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
              step={1}
              value={fields.from}
              onChange={(e) => setFields({ ...fields, from: e.target.value })}
              required
              aria-invalid={problem !== undefined}
            />
          </label>
          <label className="inline-field">
            <span>To ({zoneLabel()})</span>
            <input
              type="datetime-local"
              step={1}
              value={fields.to}
              onChange={(e) => setFields({ ...fields, to: e.target.value })}
              required
              aria-invalid={problem !== undefined}
            />
          </label>
          <button type="submit" className="button">
            Apply
          </button>
          {pending && (
            <span className="muted small" data-testid="range-pending">
              Not applied yet
            </span>
          )}
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
