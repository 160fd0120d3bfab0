import { useEffect, useState } from 'react';

/**
 * Routes live in the URL fragment (`#/trace/<id>`), so the server serves one page at `/` and
 * alert links (`<PUBLIC_URL>/#/trace/<correlation_id>`) work under any path prefix.
 */
export type Route =
  | { page: 'overview' }
  | { page: 'violations'; app?: string; key?: string }
  | { page: 'trace'; id?: string }
  | { page: 'alerts' }
  | { page: 'rules' }
  | { page: 'targets' }
  | { page: 'silences' }
  | { page: 'server' }
  | { page: 'not-found' };

export function parseRoute(hash: string): Route {
  const [pathPart = '', queryPart = ''] = hash.replace(/^#/, '').split('?');
  const segments = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(queryPart);
  switch (segments[0]) {
    case undefined:
      return { page: 'overview' };
    case 'violations':
      return { page: 'violations', app: query.get('app') ?? undefined, key: query.get('key') ?? undefined };
    case 'trace':
      return { page: 'trace', id: segments.slice(1).join('/') || undefined };
    case 'alerts':
    case 'rules':
    case 'targets':
    case 'silences':
    case 'server':
      return { page: segments[0] };
    default:
      return { page: 'not-found' };
  }
}

export function href(route: Route): string {
  switch (route.page) {
    case 'overview':
    case 'not-found':
      return '#/';
    case 'violations': {
      const query = new URLSearchParams();
      if (route.app) query.set('app', route.app);
      if (route.key) query.set('key', route.key);
      const text = query.toString();
      return `#/violations${text ? `?${text}` : ''}`;
    }
    case 'trace':
      return route.id ? `#/trace/${encodeURIComponent(route.id)}` : '#/trace';
    default:
      return `#/${route.page}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
