import net from 'node:net';

/**
 * Ranges that can never locate a client: private, shared (CGNAT), loopback, link-local, unspecified,
 * multicast and reserved. Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
 * 2001:db8::/32) are deliberately absent so tests and fixtures can use them as public addresses.
 */
const NON_PUBLIC_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const NON_PUBLIC_V6: ReadonlyArray<readonly [string, number]> = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
];

const nonPublic = new net.BlockList();
for (const [network, prefix] of NON_PUBLIC_V4) nonPublic.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of NON_PUBLIC_V6) nonPublic.addSubnet(network, prefix, 'ipv6');

const ipv4Mapped = new net.BlockList();
ipv4Mapped.addSubnet('::ffff:0:0', 96, 'ipv6');

/** The IPv4 address carried in the low 32 bits of an IPv4-mapped IPv6 address, in any textual form. */
function embeddedIpv4(mapped: string): string | null {
  const tail = mapped.slice(mapped.lastIndexOf(':') + 1);
  if (net.isIPv4(tail)) return tail;
  const groups = mapped.split(':').slice(-2);
  if (groups.length !== 2 || groups.some((group) => group === '')) return null;
  const value = (parseInt(groups[0] ?? '', 16) << 16) | parseInt(groups[1] ?? '', 16);
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/**
 * Canonical form of a client address as Node reports it: zone id and brackets removed, IPv4-mapped
 * IPv6 (`::ffff:203.0.113.7`) reduced to plain IPv4. Returns null when the input is not an IP address.
 */
export function normalizeIpAddress(raw: string): string | null {
  const unbracketed = raw.trim().replace(/^\[(.*)\]$/, '$1');
  const address = unbracketed.split('%')[0] ?? '';
  const version = net.isIP(address);
  if (version === 4) return address;
  if (version !== 6) return null;
  const lower = address.toLowerCase();
  return ipv4Mapped.check(lower, 'ipv6') ? embeddedIpv4(lower) : lower;
}

/** True when the address can belong to a client on the internet; malformed input is never public. */
export function isPublicAddress(raw: string): boolean {
  const address = normalizeIpAddress(raw);
  if (address === null) return false;
  return !nonPublic.check(address, net.isIPv4(address) ? 'ipv4' : 'ipv6');
}
