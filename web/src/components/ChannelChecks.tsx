import { useId } from 'react';
import { CHANNEL_TYPES } from '../../../src/rules/types.js';
import type { ChannelType } from '../api/types.js';
import { CHANNEL_LABELS } from '../format.js';
import { NoTargetFlag } from './channel-targets.js';

/** The rule's channels; a chosen channel without an active target is flagged (the rule may still be saved). */
export function ChannelChecks({
  channels,
  onChange,
  covered,
  error,
}: {
  channels: ChannelType[];
  onChange: (channels: ChannelType[]) => void;
  covered: ReadonlySet<ChannelType> | undefined;
  error: string | undefined;
}) {
  const errorId = useId();
  return (
    <fieldset className={`field ${error ? 'field-invalid' : ''}`} aria-describedby={error ? errorId : undefined}>
      <legend>Alert channels</legend>
      <div className="checks">
        {CHANNEL_TYPES.map((channel) => (
          <span key={channel} className="check-with-flag">
            <label className="check">
              <input
                type="checkbox"
                name="alert_channels"
                value={channel}
                checked={channels.includes(channel)}
                aria-invalid={error ? true : undefined}
                onChange={(e) =>
                  onChange(e.target.checked ? [...channels, channel] : channels.filter((c) => c !== channel))
                }
              />
              {CHANNEL_LABELS[channel]}
            </label>
            {covered && !covered.has(channel) && channels.includes(channel) && <NoTargetFlag channel={channel} />}
          </span>
        ))}
      </div>
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
