import { useEffect, useState } from 'react';
import { api } from './api/client.js';
import type { Channel, ChannelType } from './api/types.js';

/*
 * The channels lagwatch can send to, as the server's registry lists them (`GET /channels`):
 * read once per page load and shared by every form, filter and label. Nothing here names a
 * channel: a channel added to the server shows up without a dashboard change.
 */

let known: Channel[] | undefined;
let loading: Promise<Channel[]> | undefined;

function load(): Promise<Channel[]> {
  loading ??= api.channels.list().then(
    (channels) => {
      known = channels;
      return channels;
    },
    (error: unknown) => {
      loading = undefined; // a later mount tries again (e.g. once the API token is entered)
      throw error;
    },
  );
  return loading;
}

/** The registry's channels, or undefined until they are known. */
export function useChannels(): Channel[] | undefined {
  const [channels, setChannels] = useState(known);
  useEffect(() => {
    if (channels) return;
    let live = true;
    load().then(
      (loaded) => live && setChannels(loaded),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [channels]);
  return channels;
}

/** A channel's label ("Telegram group"), or its type while the list is not known. */
export function channelLabel(channels: readonly Channel[] | undefined, type: ChannelType): string {
  return channels?.find((c) => c.type === type)?.label ?? type;
}

/** `channelLabel` over the registry's channels, for components that only show names. */
export function useChannelLabel(): (type: ChannelType) => string {
  const channels = useChannels();
  return (type) => channelLabel(channels, type);
}
