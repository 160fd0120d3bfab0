import { readFileSync } from 'node:fs';
import { type FetchDispatcher, fetchAgent } from '../../outbound/fetch-agent.js';

export type { FetchDispatcher };

/** A fetch dispatcher that trusts the CA certificate(s) in `caFile` (PEM). */
export async function dispatcherTrusting(caFile: string): Promise<FetchDispatcher> {
  let ca: Buffer;
  try {
    ca = readFileSync(caFile);
  } catch (error) {
    throw new Error(`ELASTICSEARCH_CA_FILE: cannot read "${caFile}": ${(error as Error).message}`);
  }
  return fetchAgent('ELASTICSEARCH_CA_FILE (a custom CA)', { connect: { ca } });
}
