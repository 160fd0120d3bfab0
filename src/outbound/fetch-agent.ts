import type { LookupFunction } from 'node:net';

/**
 * The part of undici's Dispatcher that Node's `fetch` accepts through its non-standard
 * `dispatcher` option.
 */
export interface FetchDispatcher {
  close(): Promise<void>;
}

/** What an undici `Agent` is built with here: options of the sockets it connects. */
export interface AgentOptions {
  connect: { ca?: string | Buffer; lookup?: LookupFunction };
}

type AgentConstructor = new (options: AgentOptions) => FetchDispatcher;

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * Node 20 ships undici inside `fetch` but does not export it, and lagwatch adds no dependency for
 * one constructor: the global dispatcher that `fetch` installs is an undici `Agent`, so its
 * constructor builds Agents with our own socket options (a CA, a lookup). Every Node version from
 * 18 to 24 installs it under the same registered symbol. `purpose` names what needs it, for the
 * error when it is missing.
 */
export async function fetchAgent(purpose: string, options: AgentOptions): Promise<FetchDispatcher> {
  let dispatcher = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER];
  if (dispatcher === undefined) {
    // fetch loads undici lazily; a request to a closed port loads it without touching the network.
    await fetch('http://127.0.0.1:0/').catch(() => undefined);
    dispatcher = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER];
  }
  const ctor = (dispatcher as { constructor?: unknown } | undefined)?.constructor;
  if (typeof ctor !== 'function' || ctor.name !== 'Agent') {
    throw new Error(`${purpose}: this Node.js version does not expose the fetch dispatcher needed for it`);
  }
  return new (ctor as AgentConstructor)(options);
}
