import { useEffect, useSyncExternalStore } from 'react';
import { api } from './api/client.js';
import type { Silence } from './api/types.js';

/**
 * The silences in force now, fetched once for every row of a page (again when a page mounts more
 * than a few seconds later, and after each mute or unmute made here), so a row can say
 * "muted until …" with the silence that holds its notifications back.
 */
const FRESH_MS = 5_000;
/** More active silences than this at once is not a case a row needs to be right about. */
const LIMIT = 500;

let known: readonly Silence[] | undefined;
let loadedAt = 0;
let inflight: Promise<void> | undefined;
const listeners = new Set<() => void>();

function publish(next: readonly Silence[]): void {
  known = next;
  for (const listener of listeners) listener();
}

export function refreshActiveSilences(): Promise<void> {
  inflight ??= api.silences
    .list({ active: true, per_page: LIMIT })
    .then(
      (page) => {
        loadedAt = Date.now();
        publish(page.items);
      },
      () => {
        // Offline or signed out: rows keep what they knew (or say nothing), Mute still works.
      },
    )
    .finally(() => {
      inflight = undefined;
    });
  return inflight;
}

/** A silence just made or expired here: rows show it at once, and the list is read again. */
export function noteSilenceChanged(silence: Silence): void {
  const others = (known ?? []).filter((s) => s.id !== silence.id);
  publish(silence.active ? [...others, silence] : others);
  void refreshActiveSilences();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useActiveSilences(): readonly Silence[] | undefined {
  const silences = useSyncExternalStore(subscribe, () => known);
  useEffect(() => {
    if (Date.now() - loadedAt > FRESH_MS) void refreshActiveSilences();
  }, []);
  return silences;
}

/**
 * The active silence that holds back a row's notifications, as the scan decides: same app, and
 * either a whole-app silence or one of the notification's own key (`notificationKey`: null for an
 * app rule, whose notifications only a whole-app silence holds back); the longest-lasting one.
 */
export function coveringSilence(
  silences: readonly Silence[] | undefined,
  app: string,
  notificationKey: string | null,
  now = Date.now(),
): Silence | undefined {
  return (silences ?? [])
    .filter(
      (s) =>
        s.app_name === app &&
        (s.message_key === null || (notificationKey !== null && s.message_key === notificationKey)) &&
        Date.parse(s.starts_at) <= now &&
        Date.parse(s.ends_at) > now,
    )
    .sort((a, b) => Date.parse(b.ends_at) - Date.parse(a.ends_at) || a.id - b.id)[0];
}
