import { type LookupAddress, lookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * IPv4 ranges webhooks may not reach under WEBHOOK_DENY_PRIVATE: "this network", private,
 * carrier-grade NAT, loopback, link-local, IETF protocol assignments, documentation,
 * benchmarking, multicast and reserved (up to 255.255.255.255).
 */
const PRIVATE_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE_V4.addSubnet(network, prefix, 'ipv4');
}

/**
 * IPv6 ranges that are private whatever they carry: unique local, link-local, site-local,
 * multicast, discard-only, documentation and local-use NAT64. Forms that carry an IPv4 address
 * (mapped, compatible, NAT64, 6to4, Teredo) are judged by that address instead.
 */
const PRIVATE_V6 = new BlockList();
for (const [network, prefix] of [
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['100::', 64],
  ['2001:db8::', 32],
  ['64:ff9b:1::', 48],
] as const) {
  PRIVATE_V6.addSubnet(network, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad and a zone allowed). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '');
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (half: string | undefined) => (half ? half.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill(0), ...tail] : head;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

const v4Of = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/** The IPv4 address an IPv6 address carries, for the forms that reach it (or undefined). */
function embeddedIpv4(g: number[]): string | undefined {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (SIIT), ::a.b.c.d (compatible, deprecated).
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return v4Of(g[6]!, g[7]!);
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return v4Of(g[6]!, g[7]!);
  // 64:ff9b::a.b.c.d (NAT64, RFC 6052).
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4Of(g[6]!, g[7]!);
  // 2002:AABB:CCDD::/48 (6to4).
  if (g[0] === 0x2002) return v4Of(g[1]!, g[2]!);
  // 2001:0::/32 (Teredo): the client's address, inverted, in the last 32 bits.
  if (g[0] === 0x2001 && g[1] === 0) return v4Of(~g[6]! & 0xffff, ~g[7]! & 0xffff);
  return undefined;
}

/**
 * True for an IP address webhooks may not reach under WEBHOOK_DENY_PRIVATE, in any of its
 * forms: IPv4, or IPv6 that is private itself or carries a private IPv4 address (mapped,
 * compatible, NAT64, 6to4, Teredo). `::` and `::1` count as private.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare.replace(/%.*$/, ''));
  if (family === 4) return PRIVATE_V4.check(bare, 'ipv4');
  if (family !== 6) return false;
  const groups = ipv6Groups(bare);
  if (!groups) return true; // isIP says IPv6 but we cannot read it: refuse rather than guess
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7]! <= 1) return true; // :: and ::1
  const v4 = embeddedIpv4(groups);
  if (v4 !== undefined) return PRIVATE_V4.check(v4, 'ipv4');
  return PRIVATE_V6.check(groups.map((g) => g.toString(16)).join(':'), 'ipv6');
}

/** Every address of a name (the name resolution a send uses; tests inject their own). */
export type Resolve = (hostname: string) => Promise<string[]>;

export const resolveAll: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    lookup(hostname, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) =>
      error ? reject(error) : resolve(addresses.map((a) => a.address)),
    ),
  );

/** How long name resolution may take under WEBHOOK_DENY_PRIVATE before the destination is refused. */
export const LOOKUP_TIMEOUT_MS = 3_000;

/**
 * A destination WEBHOOK_DENY_PRIVATE refuses. `retryable`: the refusal may not hold next time
 * (the name did not resolve in time), as opposed to an address that is private.
 */
export class PrivateDestinationError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(`${message} (WEBHOOK_DENY_PRIVATE=true)`);
    this.name = 'PrivateDestinationError';
  }
}

/** Why the URL's host itself (a loopback name, a private IP literal) is refused, without resolving it. */
export function privateHostReason(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === 'localhost.') {
    return `${host} is a loopback name (WEBHOOK_DENY_PRIVATE=true)`;
  }
  if (isIP(host) !== 0 && isPrivateAddress(host)) return `${host} is a private address (WEBHOOK_DENY_PRIVATE=true)`;
  return undefined;
}

/**
 * Resolves `hostname` once and answers its addresses when every one of them is public; throws
 * PrivateDestinationError when one is private or the resolver takes longer than `timeoutMs`,
 * and the resolver's own error when the name does not resolve.
 */
export async function checkedAddresses(hostname: string, resolve: Resolve, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol('timed out');
  const late = new Promise<typeof timedOut>((done) => {
    timer = setTimeout(() => done(timedOut), timeoutMs);
  });
  let addresses: string[] | typeof timedOut;
  try {
    addresses = await Promise.race([resolve(hostname), late]);
  } finally {
    clearTimeout(timer);
  }
  if (addresses === timedOut) {
    throw new PrivateDestinationError(`${hostname} was not resolved within ${timeoutMs} ms`, true);
  }
  const blocked = addresses.find(isPrivateAddress);
  if (blocked !== undefined)
    throw new PrivateDestinationError(`${hostname} resolves to the private address ${blocked}`, false);
  if (addresses.length === 0) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
  return addresses;
}

/**
 * Why a webhook URL may not be reached under WEBHOOK_DENY_PRIVATE (when a target is saved), or
 * undefined: its host is a loopback name or a private address, resolves to one (any of its
 * addresses), or does not resolve within the timeout. A name that does not resolve at all is no
 * reason here: the send fails, and is retried, until it does.
 */
export async function privateDestinationReason(
  url: URL,
  resolve: Resolve = resolveAll,
  lookupTimeoutMs = LOOKUP_TIMEOUT_MS,
): Promise<string | undefined> {
  const hostReason = privateHostReason(url);
  if (hostReason !== undefined) return hostReason;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return undefined;
  try {
    await checkedAddresses(host, resolve, lookupTimeoutMs);
    return undefined;
  } catch (error) {
    return error instanceof PrivateDestinationError ? error.message : undefined;
  }
}

/**
 * A `lookup` for the sockets of a send under WEBHOOK_DENY_PRIVATE: the name is resolved once,
 * checked, and the socket connects to exactly the addresses checked, so no second answer (DNS
 * rebinding) can slip in between the check and the connection. Refusals reach the socket as
 * its error (a PrivateDestinationError).
 */
export function checkedLookup(resolve: Resolve = resolveAll, timeoutMs = LOOKUP_TIMEOUT_MS): LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses(hostname, resolve, timeoutMs).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = addresses
          .map((address) => ({ address, family: isIP(address) }))
          .filter((a) => a.family !== 0 && (wanted === 0 || a.family === wanted));
        if (usable.length === 0) {
          const error = Object.assign(new Error(`${hostname} has no IPv${wanted} address`), { code: 'ENOTFOUND' });
          callback(error, '', 0);
        } else if (options.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}
