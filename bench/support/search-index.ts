import { loadavg } from 'node:os';

/** One JSON (or NDJSON) call to a search server; throws naming the status and the start of the answer. */
export type SearchCall = <T>(method: string, path: string, body?: unknown, ndjson?: boolean) => Promise<T>;

export function searchClient(base: string): SearchCall {
  return async <T>(method: string, path: string, body?: unknown, ndjson = false): Promise<T> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' },
      body: body === undefined ? undefined : ndjson ? String(body) : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/** "opensearch 2.19.1": what `GET /` says the server is. */
export async function serverName(os: SearchCall): Promise<string> {
  const info = await os<{ version: { number: string; distribution?: string } }>('GET', '/');
  return `${info.version.distribution ?? 'elasticsearch'} ${info.version.number}`;
}

/**
 * Creates a one-shard index for bulk loading (refresh off until `bulkLoad` ends) with the given
 * field mappings, and answers the function that deletes it — also run on Ctrl-C.
 */
export async function createBenchIndex(
  os: SearchCall,
  index: string,
  properties: Record<string, { type: string }>,
): Promise<() => Promise<void>> {
  await os('PUT', `/${index}`, {
    settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' },
    mappings: { properties },
  });
  const remove = () =>
    os('DELETE', `/${index}`).then(
      () => undefined,
      () => undefined,
    );
  process.once('SIGINT', () => void remove().then(() => process.exit(130)));
  return remove;
}

/**
 * Loads `count` documents (`documentOf(i)`: one JSON line) in bulk bodies of `chunk`, showing
 * progress, then refreshes and force-merges to one segment. Answers the seconds it took.
 */
export async function bulkLoad(
  os: SearchCall,
  index: string,
  count: number,
  documentOf: (i: number) => string,
  chunk: number,
): Promise<number> {
  const started = performance.now();
  const progressEvery = Math.max(1, Math.round(100_000 / chunk));
  for (let first = 0; first < count; first += chunk) {
    let body = '';
    for (let i = first; i < Math.min(count, first + chunk); i++) body += `{"index":{}}\n${documentOf(i)}\n`;
    const answer = await os<{ errors: boolean }>('POST', `/${index}/_bulk`, body, true);
    if (answer.errors) throw new Error('bulk: some documents were refused');
    if ((first / chunk) % progressEvery === progressEvery - 1 || first + chunk >= count) {
      const load = loadavg()
        .map((l) => l.toFixed(1))
        .join(' ');
      process.stdout.write(
        `\r  indexed ${Math.min(count, first + chunk).toLocaleString('en-US')} documents, load ${load}   `,
      );
    }
  }
  await os('PUT', `/${index}/_settings`, { index: { refresh_interval: null } });
  await os('POST', `/${index}/_refresh`);
  await os('POST', `/${index}/_forcemerge?max_num_segments=1`).catch(() => undefined);
  return (performance.now() - started) / 1000;
}
