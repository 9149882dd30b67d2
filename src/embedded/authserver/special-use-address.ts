import { BlockList, isIP } from 'node:net';

/**
 * Addresses a server-side fetch must never reach (IANA special-purpose registries, RFC 6890): this
 * host, private networks, shared address space (CGNAT), loopback, link-local (cloud metadata at
 * 169.254.169.254), documentation and benchmarking ranges, multicast, reserved; for IPv6 also the
 * unspecified and loopback addresses, IPv4-mapped and -compatible addresses, NAT64, 6to4 and Teredo
 * (which embed an IPv4 address), unique-local, link-local and site-local. Node's BlockList also
 * matches an IPv4-mapped IPv6 address (::ffff:a.b.c.d, ::ffff:7f00:1) against the IPv4 rules.
 */
const SPECIAL_USE_IPV4: ReadonlyArray<readonly [string, number]> = [
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
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

const SPECIAL_USE_IPV6: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], // unspecified, loopback and IPv4-compatible
  ['::ffff:0:0', 96], // IPv4-mapped
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments, Teredo
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [net, prefix] of SPECIAL_USE_IPV4) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of SPECIAL_USE_IPV6) blocked.addSubnet(net, prefix, 'ipv6');

/** True for an address a fetch on behalf of a remote party must not connect to; also for anything that is not an IP address. */
export function isSpecialUseAddress(address: string): boolean {
  const unbracketed = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(unbracketed);
  if (family === 0) return true;
  return blocked.check(unbracketed, family === 4 ? 'ipv4' : 'ipv6');
}
