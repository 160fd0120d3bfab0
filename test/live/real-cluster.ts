import { EsHttpClient } from '../../src/logs/elasticsearch/http-client.js';
import { requireServices } from '../support/databases.js';

/** A real server the live suite runs against (`npm run -s search:start -- <flavor> <port>`). */
export interface LiveServer {
  flavor: string;
  url: string;
}

/**
 * TEST_SEARCH_SERVERS: `flavor=url` pairs, comma separated (.ci/run sets it for every flavor
 * the machine can run). In CI (LAGWATCH_REQUIRE_SERVICES=1) an empty list is an error.
 */
export function liveServers(env: NodeJS.ProcessEnv = process.env): LiveServer[] {
  const servers = (env.TEST_SEARCH_SERVERS ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '')
    .map((pair) => {
      const [flavor, url] = pair.split('=');
      if (!flavor || !url) throw new Error(`TEST_SEARCH_SERVERS: "${pair}" is not flavor=url`);
      return { flavor, url };
    });
  const skipReason = servers.length === 0 ? 'TEST_SEARCH_SERVERS is not set (see npm run search:start)' : undefined;
  requireServices([skipReason], env);
  if (skipReason) console.warn(`[live search servers] SKIPPED: ${skipReason}`);
  return servers;
}

interface SearchStats {
  open_contexts?: number;
  scroll_current?: number;
  point_in_time_current?: number;
}

/** What the suite does to a real cluster as its administrator: indices, templates, documents. */
export class ClusterAdmin {
  private constructor(
    readonly client: EsHttpClient,
    private readonly url: string,
  ) {}

  static async connect(url: string): Promise<ClusterAdmin> {
    const client = await EsHttpClient.create({ hosts: [url], requestTimeoutMs: 60_000, maxRetries: 1 });
    return new ClusterAdmin(client, url);
  }

  async info(): Promise<{ distribution: 'opensearch' | 'elasticsearch'; version: string }> {
    const { body } = await this.client.request<{ version: { number: string; distribution?: string } }>({
      method: 'GET',
      path: '/',
    });
    return {
      distribution: body.version.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch',
      version: body.version.number,
    };
  }

  async createIndex(name: string, body: object = {}): Promise<void> {
    await this.client.request({
      method: 'PUT',
      path: `/${encodeURIComponent(name)}`,
      body: { settings: { number_of_shards: 1, number_of_replicas: 0 }, ...body },
    });
  }

  async putIndexTemplate(name: string, body: object): Promise<void> {
    await this.client.request({ method: 'PUT', path: `/_index_template/${name}`, body });
  }

  async addAlias(index: string, alias: string): Promise<void> {
    await this.client.request({ method: 'POST', path: '/_aliases', body: { actions: [{ add: { index, alias } }] } });
  }

  /** Indexes documents in bulk (`create` for data streams); fails on any rejected item. */
  async bulk(target: string, docs: readonly object[], options: { create?: boolean; refresh?: boolean } = {}) {
    const action = options.create ? 'create' : 'index';
    for (let i = 0; i < docs.length; i += 2_000) {
      const lines = docs
        .slice(i, i + 2_000)
        .flatMap((doc) => [JSON.stringify({ [action]: { _index: target } }), JSON.stringify(doc)]);
      const response = await fetch(`${this.url}/_bulk${options.refresh === false ? '' : '?refresh=true'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: `${lines.join('\n')}\n`,
      });
      const body = (await response.json()) as { errors?: boolean; items?: unknown[] };
      if (!response.ok || body.errors) {
        throw new Error(`bulk into ${target} failed: ${JSON.stringify(body).slice(0, 500)}`);
      }
    }
  }

  async refresh(target: string): Promise<void> {
    await this.client.request({ method: 'POST', path: `/${target}/_refresh` });
  }

  /** Search contexts open on every node: scroll, point in time and open contexts. */
  async openSearchContexts(): Promise<{ open: number; scroll: number; pit: number }> {
    const { body } = await this.client.request<{ nodes: Record<string, { indices: { search: SearchStats } }> }>({
      method: 'GET',
      path: '/_nodes/stats/indices/search',
    });
    const totals = { open: 0, scroll: 0, pit: 0 };
    for (const node of Object.values(body.nodes)) {
      totals.open += node.indices.search.open_contexts ?? 0;
      totals.scroll += node.indices.search.scroll_current ?? 0;
      totals.pit += node.indices.search.point_in_time_current ?? 0;
    }
    return totals;
  }

  /** Removes everything the suite made (indices, data streams, templates) under these names. */
  async remove(patterns: { indices: string[]; dataStreams: string[]; templates: string[] }): Promise<void> {
    for (const ds of patterns.dataStreams) {
      await this.client.request({ method: 'DELETE', path: `/_data_stream/${ds}`, acceptStatuses: [404] });
    }
    for (const index of patterns.indices) {
      await this.client.request({
        method: 'DELETE',
        path: `/${index}`,
        query: { expand_wildcards: 'all' },
        acceptStatuses: [404],
      });
    }
    for (const template of patterns.templates) {
      await this.client.request({ method: 'DELETE', path: `/_index_template/${template}`, acceptStatuses: [404] });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
