import { useSyncExternalStore } from 'react';
import { onTimeZoneModeChange, setTimeZoneMode, type TimeZoneMode, timeZoneMode, zoneLabel } from '../format.js';

/** The current time zone mode; the component renders again when it changes. */
export function useTimeZoneMode(): TimeZoneMode {
  return useSyncExternalStore(onTimeZoneModeChange, timeZoneMode);
}

/** Top-bar switch between the browser's zone and UTC (the zone alerts carry); it shows the zone in use. */
export function TimeZoneToggle() {
  const mode = useTimeZoneMode();
  const utc = mode === 'utc';
  return (
    <button
      type="button"
      className="tz-toggle"
      aria-pressed={utc}
      aria-label="Show times in UTC"
      title={utc ? 'Times are in UTC; press for local time' : 'Times are in local time; press for UTC'}
      onClick={() => setTimeZoneMode(utc ? 'local' : 'utc')}
    >
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
        <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
        <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
      <span data-testid="time-zone">{zoneLabel()}</span>
    </button>
  );
}
