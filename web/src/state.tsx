import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api } from './api/client.js';
import { followEvents, isReachable, type LiveEvent, type LiveState, untilReachable } from './api/events.js';
import type { TimeRange } from './api/types.js';
import { loadRange, saveRange } from './range-memory.js';
import { navigate, type Route, useRoute, type ViewParams, viewQuery } from './router.js';
import { type RangeChoice, rangeSpanDays, resolveRange } from './time-range.js';

/**
 * How often live events may trigger a refresh of the figures at most: often for short ranges,
 * where a minute of new logs shows; rarely for long ones, whose figures barely move.
 */
function refreshThrottleMs(range: RangeChoice): number {
  const minutes = range.kind === 'preset' ? range.minutes : (range.to.getTime() - range.from.getTime()) / 60_000;
  return minutes <= 60 ? 3_000 : minutes <= 360 ? 5_000 : minutes <= 1440 ? 10_000 : 30_000;
}
/** Presets ("last hour") move with the clock even without events. */
const CLOCK_REFRESH_MS = 30_000;

interface DashboardState {
  /** The page and view the URL names. */
  route: Route;
  /** Opens the current page with these view parameters changed (undefined removes one). */
  setView(patch: Partial<ViewParams>, options?: { replace?: boolean }): void;
  /** The URL's range, else the last preset this browser used. */
  range: RangeChoice;
  /** Puts the range into the URL (and remembers a preset); the list goes back to page 1. */
  setRange(choice: RangeChoice): void;
  /** Bumps when the figures should be fetched again (events, clock, token, manual refresh). */
  version: number;
  refresh(): void;
  live: LiveState;
  lastEvent: LiveEvent | undefined;
  /** The longest range the server accepts, in days (DASHBOARD_MAX_DAYS); undefined until known. */
  maxDays: number | undefined;
  /** False until the server's settings answered (or failed): requests wait, so no long range is sent. */
  settingsKnown: boolean;
  /** When figures last arrived from the server (epoch ms): "as of" while offline. */
  lastLoadedAt: number | undefined;
  noteLoaded(): void;
  /** A request failed: when lagwatch could not be reached (or answered 5xx), recovery is watched for. */
  noteFailure(error: ApiError): void;
  /** The API asked for a token (401), or this tab signed out; the prompt shows while this is true. */
  authRequired: boolean;
  /** Why the prompt shows. */
  authReason: AuthReason | undefined;
  setAuthRequired(value: boolean, reason?: AuthReason): void;
}

/** No token or a refused one (with the server's words, if any), a token that cannot read, a sign-out. */
export type AuthReason = { kind: 'refused'; message?: string } | { kind: 'ingest' } | { kind: 'signed-out' };

const Context = createContext<DashboardState | undefined>(undefined);

export function DashboardProvider({ children }: { children: ReactNode }) {
  const route = useRoute();
  const [remembered, setRemembered] = useState<RangeChoice>(loadRange);
  const urlRange = route.range;
  const urlRangeKey = urlRange ? viewQuery({ range: urlRange }).toString() : '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names the range; a new object with the same range must not refetch
  const range = useMemo(() => urlRange ?? remembered, [urlRangeKey, remembered]);
  // A range from a link is kept for this visit too: links that name no range (Overview → Violations) keep it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names the range
  useEffect(() => {
    if (urlRange) setRemembered(urlRange);
  }, [urlRangeKey]);
  const [version, setVersion] = useState(0);
  const [live, setLive] = useState<LiveState>('connecting');
  const [lastEvent, setLastEvent] = useState<LiveEvent>();
  const [auth, setAuth] = useState<{ required: boolean; reason?: AuthReason }>({ required: false });
  const authRequired = auth.required;
  const authReason = auth.reason;
  const setAuthRequired = useCallback(
    (required: boolean, reason?: AuthReason) => setAuth(required ? { required, reason } : { required }),
    [],
  );
  const [settings, setSettings] = useState<{ maxDays?: number }>();
  const maxDays = settings?.maxDays;
  const settingsKnown = settings !== undefined;
  const [lastLoadedAt, setLastLoadedAt] = useState<number>();
  const noteLoaded = useCallback(() => setLastLoadedAt(Date.now()), []);
  const [failing, setFailing] = useState(false);
  const noteFailure = useCallback((error: ApiError) => {
    if (error.status === 0 || error.status >= 500) setFailing(true);
  }, []);
  const pending = useRef<number | undefined>(undefined);
  const rangeRef = useRef(range);
  rangeRef.current = range;
  const lastRefresh = useRef(0);

  const refresh = useCallback(() => {
    lastRefresh.current = Date.now();
    setVersion((v) => v + 1);
  }, []);

  // At most one refresh per throttle window, however many events arrive.
  const refreshSoon = useCallback(() => {
    if (pending.current !== undefined) return;
    const wait = Math.max(0, lastRefresh.current + refreshThrottleMs(rangeRef.current) - Date.now());
    pending.current = window.setTimeout(() => {
      pending.current = undefined;
      refresh();
    }, wait);
  }, [refresh]);

  useEffect(() => () => window.clearTimeout(pending.current), []);

  useEffect(() => {
    if (authRequired) return;
    const controller = new AbortController();
    void followEvents(
      (event) => {
        setLastEvent(event);
        refreshSoon();
      },
      setLive,
      controller.signal,
    );
    return () => controller.abort();
  }, [authRequired, refreshSoon]);

  // Back from offline: fetch everything again at once, so no error stays on screen.
  const wasOffline = useRef(false);
  /** Failed refreshes in a row while /health answered (a 5xx, not an outage): the backoff. */
  const retries = useRef(0);
  useEffect(() => {
    if (live === 'offline') wasOffline.current = true;
    if (live === 'live' && wasOffline.current) {
      wasOffline.current = false;
      retries.current = 0;
      setFailing(false);
      refresh();
    }
  }, [live, refresh]);

  // A failed request: probe /health every 2 s and fetch again once it answers. A server that
  // answers /health but still fails requests (5xx) is asked again less and less often.
  useEffect(() => {
    if (!failing) return;
    const controller = new AbortController();
    const wait = Math.min(2_000 * 2 ** retries.current, 30_000);
    const timer = window.setTimeout(async () => {
      if (await isReachable(controller.signal)) retries.current++;
      else {
        retries.current = 0;
        await untilReachable(controller.signal);
      }
      if (controller.signal.aborted) return;
      setFailing(false);
      refresh();
    }, wait);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [failing, refresh]);

  useEffect(() => {
    if (authRequired || maxDays !== undefined) return;
    const controller = new AbortController();
    api.dashboardSettings(controller.signal).then(
      (answer) => setSettings({ maxDays: answer.dashboard_max_days }),
      // An older server, a token to ask for, no connection: the server still refuses long ranges itself.
      () => !controller.signal.aborted && setSettings((known) => known ?? {}),
    );
    return () => controller.abort();
  }, [authRequired, maxDays]);

  useEffect(() => {
    if (range.kind !== 'preset') return;
    const timer = window.setInterval(refresh, CLOCK_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [range, refresh]);

  const routeRef = useRef(route);
  routeRef.current = route;
  const setView = useCallback((patch: Partial<ViewParams>, options: { replace?: boolean } = {}) => {
    const next = { ...routeRef.current, ...patch } as Route;
    for (const name of Object.keys(patch) as (keyof ViewParams)[]) if (patch[name] === undefined) delete next[name];
    navigate(next, options);
  }, []);

  const setRange = useCallback(
    (choice: RangeChoice) => {
      saveRange(choice);
      // Remembered for this visit (a preset across visits too), so links without a range keep it.
      setRemembered(choice);
      setView({ range: choice, pageNumber: undefined });
    },
    [setView],
  );

  const value = useMemo(
    () => ({
      route,
      setView,
      range,
      setRange,
      version,
      refresh,
      live,
      lastEvent,
      maxDays,
      settingsKnown,
      lastLoadedAt,
      noteLoaded,
      noteFailure,
      authRequired,
      authReason,
      setAuthRequired,
    }),
    [
      route,
      setView,
      range,
      setRange,
      version,
      refresh,
      live,
      lastEvent,
      maxDays,
      settingsKnown,
      lastLoadedAt,
      noteLoaded,
      noteFailure,
      authRequired,
      authReason,
      setAuthRequired,
    ],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useDashboard(): DashboardState {
  const state = useContext(Context);
  if (!state) throw new Error('useDashboard outside DashboardProvider');
  return state;
}

export interface Resource<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  /** When `data` arrived (epoch ms). */
  loadedAt?: number;
  reload(): void;
}

/**
 * Fetches with the current time range, again whenever the range, `deps` or the refresh version
 * change. While the same request (range and `deps`) is refreshed — live updates, a retry — the
 * previous data stays (no flicker; after a failed refresh it is shown "as of" its time). A new
 * request drops it: rows of the previous range or filter never show under the new one. A range
 * longer than the server accepts is not sent.
 */
export function useResource<T>(
  load: (range: TimeRange, signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  /** Values that refetch the same rows in another order: the old answer stays on screen meanwhile. */
  reorderedBy: readonly unknown[] = [],
): Resource<T> {
  const { range, version, maxDays, settingsKnown, noteLoaded, noteFailure } = useDashboard();
  const requestKey = JSON.stringify([range, deps]);
  const [state, setState] = useState<{ key: string; data?: T; error?: ApiError; loading: boolean; loadedAt?: number }>({
    key: requestKey,
    loading: true,
  });
  const [local, setLocal] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is a fresh closure each render; `deps` names what it reads
  useEffect(() => {
    if (!settingsKnown) return;
    const span = rangeSpanDays(range);
    if (maxDays !== undefined && span > maxDays) {
      const message = `This range spans ${Math.ceil(span)} days; the server shows at most ${maxDays} (DASHBOARD_MAX_DAYS). Choose a shorter range.`;
      setState({ key: requestKey, loading: false, error: new ApiError(422, 'range_too_long', message) });
      return;
    }
    const controller = new AbortController();
    setState((s) => (s.key === requestKey ? { ...s, loading: true } : { key: requestKey, loading: true }));
    load(resolveRange(range), controller.signal).then(
      (data) => {
        setState({ key: requestKey, data, loading: false, loadedAt: Date.now() });
        noteLoaded();
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const apiError =
          error instanceof ApiError ? error : new ApiError(0, 'client', (error as Error).message ?? 'failed');
        setState((s) => ({ ...(s.key === requestKey ? s : { key: requestKey }), error: apiError, loading: false }));
        noteFailure(apiError);
      },
    );
    return () => controller.abort();
  }, [requestKey, version, local, maxDays, settingsKnown, ...reorderedBy]);
  // Until the effect runs for a new request, this render must not show the old one's data.
  const current = state.key === requestKey ? state : { loading: true };
  return { ...current, reload: () => setLocal((v) => v + 1) };
}
