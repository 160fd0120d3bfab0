import { useId } from 'react';
import type { ChannelType } from '../api/types.js';
import { useChannels } from '../channels.js';
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
  const registered = useChannels();
  // A rule may name a channel the server no longer has: it stays listed, so it can be unticked.
  const listed = [
    ...(registered ?? []),
    ...channels.filter((c) => !registered?.some((r) => r.type === c)).map((type) => ({ type, label: type })),
  ];
  return (
    <fieldset className={`field ${error ? 'field-invalid' : ''}`} aria-describedby={error ? errorId : undefined}>
      <legend>Alert channels</legend>
      <div className="checks">
        {listed.map(({ type: channel, label }) => (
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
              {label}
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
