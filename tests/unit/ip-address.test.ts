import { isPublicAddress, normalizeIpAddress } from '../../src/lib/ip-address';

describe('normalizeIpAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:198.51.100.1', '198.51.100.1'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:cb00:7107', '203.0.113.7'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
    [' 192.0.2.1 ', '192.0.2.1'],
  ])('when given %s, then returns %s', (input, expected) => {
    expect(normalizeIpAddress(input)).toBe(expected);
  });

  it.each(['', 'localhost', '300.1.1.1', '1.2.3', '::ffff:zzzz', '203.0.113.7:443', 'not an ip'])(
    'when given malformed %p, then returns null',
    (input) => {
      expect(normalizeIpAddress(input)).toBeNull();
    },
  );
});

describe('isPublicAddress', () => {
  it.each(['203.0.113.7', '198.51.100.1', '192.0.2.1', '2001:db8::1', '::ffff:203.0.113.7', '8.8.8.8', '2606:4700::1111'])(
    'when the address %s is routable or documentation, then it is public',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it.each([
    ['10.1.2.3', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12 upper end'],
    ['192.168.1.1', 'private 192.168/16'],
    ['100.64.0.1', 'CGNAT 100.64/10'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'IPv6 loopback'],
    ['::ffff:127.0.0.1', 'mapped loopback'],
    ['::ffff:10.0.0.1', 'mapped private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with zone'],
    ['fd12:3456::1', 'unique local fc00::/7'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'IPv6 unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'IPv6 multicast'],
    ['255.255.255.255', 'broadcast'],
    ['garbage', 'malformed'],
  ])('when the address %s is %s, then it is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it('when the address is just outside a private range, then it is public', () => {
    expect(isPublicAddress('172.32.0.1')).toBe(true);
    expect(isPublicAddress('100.128.0.1')).toBe(true);
  });
});
