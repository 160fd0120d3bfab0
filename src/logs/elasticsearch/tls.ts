import { readFileSync } from 'node:fs';
import { type FetchDispatcher, fetchAgent } from '../../outbound/fetch-agent.js';

export type { FetchDispatcher };

/** The CA certificate(s) in `caFile` (PEM), or an error naming ELASTICSEARCH_CA_FILE. */
export function readCa(caFile: string): Buffer {
  try {
    return readFileSync(caFile);
  } catch (error) {
    throw new Error(`ELASTICSEARCH_CA_FILE: cannot read "${caFile}": ${(error as Error).message}`);
  }
}

/** A fetch dispatcher that trusts the CA certificate(s) `ca` (PEM). */
export async function dispatcherTrusting(ca: Buffer): Promise<FetchDispatcher> {
  return fetchAgent('ELASTICSEARCH_CA_FILE (a custom CA)', { connect: { ca } });
}
