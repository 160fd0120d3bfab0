import { useEffect, useState } from 'react';
import { api } from '../api/client.js';

/** The apps with a log in the last SEEN_DAYS days (fewer when DASHBOARD_MAX_DAYS is smaller). */
export interface SeenApps {
  apps: string[];
  days: number;
}

const SEEN_DAYS = 7;
const KEEP_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

let cached: { at: number; answer: Promise<SeenApps | undefined> } | undefined;

async function fetchSeenApps(): Promise<SeenApps | undefined> {
  for (const days of [SEEN_DAYS, 1]) {
    const to = new Date();
    try {
      const overview = await api.overview({ from: new Date(to.getTime() - days * DAY_MS), to });
      return { apps: overview.active_apps.apps, days };
    } catch {
      // A range over DASHBOARD_MAX_DAYS is refused: try the shortest; without an answer, no suggestions.
    }
  }
  return undefined;
}

/** The apps seen in the logs, fetched once for every form of the page (and again after 5 minutes). */
export function useSeenApps(): SeenApps | undefined {
  const [seen, setSeen] = useState<SeenApps>();
  useEffect(() => {
    if (!cached || Date.now() - cached.at > KEEP_MS) cached = { at: Date.now(), answer: fetchSeenApps() };
    let current = true;
    void cached.answer.then((answer) => {
      if (!answer) cached = undefined; // no answer (offline, token missing): ask again next time
      if (current) setSeen(answer);
    });
    return () => {
      current = false;
    };
  }, []);
  return seen;
}

/** The warning for an app name never seen (none while the apps are unknown or the name is empty). */
export function unseenAppWarning(seen: SeenApps | undefined, name: string): string | undefined {
  const trimmed = name.trim();
  if (!seen || trimmed === '' || seen.apps.includes(trimmed)) return undefined;
  const span = seen.days === 1 ? 'the last 24 hours' : `the last ${seen.days} days`;
  return `No log of "${trimmed}" in ${span}: check the spelling (it can still be saved).`;
}
