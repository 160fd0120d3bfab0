import { useEffect, useMemo, useState } from 'react';
import { href, parseRoute, type Route } from './url-scheme.js';

/** The browser side of the URL scheme (url-scheme.ts): following and changing the fragment. */
export * from './url-scheme.js';

/** Opens a route; `replace` rewrites the current history entry (filters typed, not pages visited). */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const target = href(route);
  if (options.replace) {
    window.history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = target;
  }
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const update = () => setHash(window.location.hash);
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  // One object per distinct URL, so effects that depend on the route run once per change.
  return useMemo(() => parseRoute(hash), [hash]);
}
