import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Where `vite build` writes the dashboard. Not `dist/web`: tsc compiles this directory there.
 * Resolved from this file, so it holds for src/ (tsx) and dist/ (built) alike.
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));

/** First path segments that belong to the API; the dashboard never claims them. */
const API_SEGMENTS = new Set([
  'dashboard',
  'monitor',
  'rules',
  'targets',
  'alerts',
  'events',
  'ingest',
  'elasticsearch',
  'health',
  'ready',
  'metrics',
  'docs',
  'silences',
  'tokens',
  'whoami',
]);

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * True for the paths of the dashboard's own files (`/`, `/index.html`, `/assets/…`,
 * `/favicon.svg`). They hold no data, so they are served without the API token: the page must
 * load before it can ask for one.
 */
export function isWebAppPath(path: string): boolean {
  return path === '/' || path === '/index.html' || path === '/favicon.svg' || path.startsWith('/assets/');
}

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lagwatch</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>lagwatch is running</h1>
<p>The web dashboard has not been built. Run <code>npm run build</code>, then restart lagwatch.</p>
<p>The API answers meanwhile: <a href="./health">/health</a>, <a href="./docs">/docs</a>.</p>
</body></html>
`;

function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/**
 * Serves the built dashboard at `/`: hashed assets cached for a year, `index.html` revalidated
 * on every load; brotli or gzip from the files the build compressed, never a source map. The dashboard routes in the URL fragment (`/#/trace/<id>`); a browser that
 * asks for such a route as a path (`/trace/<id>`) is redirected to the fragment form. Other
 * paths, and every API path, fall through to the server's not-found handler.
 */
export async function registerWebApp(app: FastifyInstance, options: { root?: string } = {}): Promise<void> {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  const indexFile = join(root, 'index.html');
  const built = existsSync(indexFile);
  // Read once, like the asset routes @fastify/static registers at start: a rebuild needs a restart.
  const indexHtml = built ? readFileSync(indexFile) : undefined;

  // Encapsulated: @fastify/static's routes and hooks stay inside this scope.
  await app.register(async (scope) => {
    if (built) {
      await scope.register(fastifyStatic, {
        root,
        prefix: '/',
        wildcard: false,
        index: false,
        decorateReply: false,
        cacheControl: false,
        // `vite build` writes a .br and a .gz beside each asset: sent as the browser accepts.
        preCompressed: true,
        // Source maps are not built; one copied in by hand is not published either.
        allowedPath: (path) => !path.endsWith('.map'),
        setHeaders(res, path) {
          res.setHeader('cache-control', path.includes(`${sep}assets${sep}`) ? IMMUTABLE : 'no-cache');
          res.setHeader('vary', 'accept-encoding');
        },
      });
    }

    const sendIndex = (reply: FastifyReply) => {
      reply.header('cache-control', 'no-cache');
      return reply.type('text/html; charset=utf-8').send(indexHtml ?? MISSING_PAGE);
    };

    scope.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));

    scope.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const first = path.split('/')[1] ?? '';
      if (!acceptsHtml(request) || API_SEGMENTS.has(first) || first.includes('.')) return reply.callNotFound();
      return reply.redirect(`/#${path}`, 302);
    });
  });
}
