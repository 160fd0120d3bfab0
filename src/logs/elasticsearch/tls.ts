import { readFileSync } from 'node:fs';

/**
 * The part of undici's Dispatcher that Node's `fetch` accepts through its non-standard
 * `dispatcher` option.
 */
export interface FetchDispatcher {
  close(): Promise<void>;
}

type AgentConstructor = new (options: { connect: { ca: string | Buffer } }) => FetchDispatcher;

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * Node 20 ships undici inside `fetch` but does not export it, and lagwatch adds no dependency for
 * one constructor: the global dispatcher that `fetch` installs is an undici `Agent`, so its
 * constructor builds an Agent that trusts our CA. Every Node version from 18 to 24 installs it
 * under the same registered symbol.
 */
async function undiciAgent(): Promise<AgentConstructor> {
  let dispatcher = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER];
  if (dispatcher === undefined) {
    // fetch loads undici lazily; a request to a closed port loads it without touching the network.
    await fetch('http://127.0.0.1:0/').catch(() => undefined);
    dispatcher = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER];
  }
  const ctor = (dispatcher as { constructor?: unknown } | undefined)?.constructor;
  if (typeof ctor !== 'function' || ctor.name !== 'Agent') {
    throw new Error(
      'ELASTICSEARCH_CA_FILE: this Node.js version does not expose the fetch dispatcher needed for a custom CA',
    );
  }
  return ctor as AgentConstructor;
}

/** A fetch dispatcher that trusts the CA certificate(s) in `caFile` (PEM). */
export async function dispatcherTrusting(caFile: string): Promise<FetchDispatcher> {
  let ca: Buffer;
  try {
    ca = readFileSync(caFile);
  } catch (error) {
    throw new Error(`ELASTICSEARCH_CA_FILE: cannot read "${caFile}": ${(error as Error).message}`);
  }
  const Agent = await undiciAgent();
  return new Agent({ connect: { ca } });
}
