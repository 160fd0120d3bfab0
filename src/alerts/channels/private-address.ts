import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { withTimeout } from '../../health/with-timeout.js';

/** Loopback, private, link-local, carrier-grade NAT, unspecified, multicast and reserved ranges. */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 3], // multicast and reserved, up to 255.255.255.255
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** True for an IP address webhooks may not reach under WEBHOOK_DENY_PRIVATE (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  const family = isIP(bare);
  if (family === 0) return false;
  return PRIVATE.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

export type Resolve = (hostname: string) => Promise<string[]>;

const resolveAll: Resolve = async (hostname) => (await lookup(hostname, { all: true })).map((a) => a.address);

/** How long the check waits for name resolution: a hung resolver must not hold a request or a send. */
const LOOKUP_TIMEOUT_MS = 3_000;

/**
 * Why a webhook URL may not be reached with WEBHOOK_DENY_PRIVATE=true, or undefined: its host
 * is, or resolves to (any of its addresses), a loopback, private or link-local address. A name
 * that does not resolve, or not within the lookup timeout, is no reason here (the send itself
 * then fails and is retried).
 */
export async function privateDestinationReason(
  url: URL,
  resolve: Resolve = resolveAll,
  lookupTimeoutMs = LOOKUP_TIMEOUT_MS,
): Promise<string | undefined> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost')) {
    return `${host} is a loopback name (WEBHOOK_DENY_PRIVATE=true)`;
  }
  if (isIP(host) !== 0) {
    return isPrivateAddress(host) ? `${host} is a private address (WEBHOOK_DENY_PRIVATE=true)` : undefined;
  }
  let addresses: string[];
  try {
    addresses = await withTimeout(resolve(host), lookupTimeoutMs, `looking up ${host}`);
  } catch {
    return undefined;
  }
  const blocked = addresses.find(isPrivateAddress);
  return blocked ? `${host} resolves to the private address ${blocked} (WEBHOOK_DENY_PRIVATE=true)` : undefined;
}
