import { describe, expect, it } from 'vitest';
import { addressRefusal, parseCandidateAddress, parsePort, type CandidateAddress } from '../src/api/candidate-address.js';
import { normalizeCandidate } from '../src/api/sdp.js';

function parsed(text: string): CandidateAddress {
  const result = parseCandidateAddress(text);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe('parseCandidateAddress', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1', 'loopback'],
    ['0.0.0.0', '0.0.0.0', 'unspecified'],
    ['0.1.2.3', '0.1.2.3', 'unspecified'],
    ['255.255.255.255', '255.255.255.255', 'broadcast'],
    ['240.0.0.1', '240.0.0.1', 'reserved'],
    ['224.0.0.251', '224.0.0.251', 'multicast'],
    ['239.255.255.250', '239.255.255.250', 'multicast'],
    ['169.254.169.254', '169.254.169.254', 'link-local'],
    ['10.1.2.3', '10.1.2.3', 'private'],
    ['172.16.0.1', '172.16.0.1', 'private'],
    ['172.31.255.255', '172.31.255.255', 'private'],
    ['172.32.0.1', '172.32.0.1', 'public'],
    ['192.168.1.20', '192.168.1.20', 'private'],
    ['100.64.0.1', '100.64.0.1', 'shared'],
    ['100.128.0.1', '100.128.0.1', 'public'],
    ['192.0.0.8', '192.0.0.8', 'ietf-protocol'],
    ['192.0.2.1', '192.0.2.1', 'documentation'],
    ['198.51.100.7', '198.51.100.7', 'documentation'],
    ['203.0.113.9', '203.0.113.9', 'documentation'],
    ['198.18.0.1', '198.18.0.1', 'benchmarking'],
    ['198.19.255.1', '198.19.255.1', 'benchmarking'],
    ['8.8.8.8', '8.8.8.8', 'public'],
    ['1.1.1.1', '1.1.1.1', 'public'],
  ])('IPv4 %s is %s, %s', (text, address, addressClass) => {
    expect(parsed(text)).toEqual({ kind: 'ip', family: 4, address, class: addressClass });
  });

  it.each([
    ['::', '::', 'unspecified'],
    ['::1', '::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', '::1', 'loopback'],
    ['2001:DB8::1', '2001:db8::1', 'documentation'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1', 'documentation'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 'documentation'],
    ['2001:db8::0:1', '2001:db8::1', 'documentation'],
    ['3fff:1::1', '3fff:1::1', 'documentation'],
    ['2606:4700:4700::1111', '2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:0810:0000:0000:0000:200e', '2a00:1450:4001:810::200e', 'public'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3', 'reserved'],
    ['fe80::1', 'fe80::1', 'link-local'],
    ['febf:ffff::1', 'febf:ffff::1', 'link-local'],
    ['fec0::1', 'fec0::1', 'private'],
    ['fd12:3456:789a::1', 'fd12:3456:789a::1', 'unique-local'],
    ['fc00::1', 'fc00::1', 'unique-local'],
    ['ff02::1', 'ff02::1', 'multicast'],
    ['FF05::1:3', 'ff05::1:3', 'multicast'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', '::ffff:127.0.0.1', 'loopback'],
    ['0:0:0:0:0:ffff:169.254.169.254', '::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', '::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', '::7f00:1', 'reserved'],
    ['64:ff9b::10.0.0.1', '64:ff9b::a00:1', 'private'],
    ['64:ff9b::8.8.8.8', '64:ff9b::808:808', 'public'],
    ['64:ff9b:1::1', '64:ff9b:1::1', 'private'],
    ['2002:c0a8:0101::1', '2002:c0a8:101::1', 'private'],
    ['2001:2::1', '2001:2::1', 'benchmarking'],
    ['2001::1', '2001::1', 'ietf-protocol'],
    ['100::1', '100::1', 'reserved'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0', 'reserved'],
  ])('IPv6 %s is %s, %s', (text, address, addressClass) => {
    expect(parsed(text)).toEqual({ kind: 'ip', family: 6, address, class: addressClass });
  });

  it.each([['mdns-1f2e.local'], ['peer.example.com'], ['localhost'], ['example.com.'], ['1e100.net'], ['a-b.c']])('%s is a host name', (text) => {
    expect(parsed(text)).toEqual({ kind: 'hostname', name: text });
  });

  it.each([
    ['127.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0x7F.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.000.000.001', '127.0.0.1'],
    ['127.0.0.01', '127.0.0.1'],
    ['4294967295', '255.255.255.255'],
    ['169.16689662', '169.254.169.254'],
    ['127.0.0.1.', null],
    ['256.0.0.1', null],
    ['1.2.3.4.5', null],
    ['1..2.3', null],
    ['08.0.0.1', null],
    ['example.123', null],
  ])('refuses the legacy or broken IPv4 form %s', (text, meaning) => {
    const result = parseCandidateAddress(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('not a canonical IPv4 address');
    if (meaning !== null) expect(result.reason).toContain(`read it as ${meaning}`);
  });

  it.each([['1:2:3:4:5:6:7:8:9'], ['1::2::3'], ['12345::1'], ['fe80::1%eth0'], ['[::1]'], ['::1.2.3'], ['1.2.3.4::'], ['::ffff:127.1'], [':1::'], ['1:2:3:4:5:6:7:8::'], ['g::1']])(
    'refuses %s as IPv6',
    (text) => {
      expect(parseCandidateAddress(text)).toMatchObject({ ok: false, reason: expect.stringContaining('not an IPv6 address') });
    },
  );

  it.each([['-bad.example'], ['under_score.example'], ['a'.repeat(64) + '.example'], ['x.'.repeat(130) + 'com'], [''], ['.']])('refuses %j as a name', (text) => {
    expect(parseCandidateAddress(text).ok).toBe(false);
  });
});

describe('parsePort', () => {
  it.each([['1', 1], ['9', 9], ['40037', 40037], ['65535', 65535]])('takes %s', (text, port) => {
    expect(parsePort(text)).toEqual({ ok: true, value: port });
  });
  it.each([['0'], ['65536'], ['99999'], ['040037'], ['-1'], ['http'], ['1e3'], ['']])('refuses %j', (text) => {
    expect(parsePort(text).ok).toBe(false);
  });
});

describe('addressRefusal', () => {
  const never = ['0.0.0.0', '::', '255.255.255.255', '240.0.0.1', '224.0.0.1', 'ff02::1', '169.254.169.254', 'fe80::1', '192.0.2.1', '2001:db8::1', '::ffff:169.254.169.254', '100::1'];
  const lanOnly = ['127.0.0.1', '::1', '10.0.0.1', '172.16.5.4', '192.168.0.10', '100.64.1.1', 'fd00::1', '192.0.0.8', '198.18.0.1', '::ffff:192.168.0.1', '64:ff9b::10.0.0.1'];
  const everywhere = ['8.8.8.8', '203.0.114.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'];

  it.each(never)('never takes %s', (text) => {
    expect(addressRefusal(parsed(text), 'lan')).toMatch(/no peer has one/);
    expect(addressRefusal(parsed(text), 'public')).toMatch(/no peer has one/);
  });
  it.each(lanOnly)('takes %s under lan only', (text) => {
    expect(addressRefusal(parsed(text), 'lan')).toBeNull();
    expect(addressRefusal(parsed(text), 'public')).toMatch(/not taken under candidateAddresses "public"/);
  });
  it.each(everywhere)('takes %s under both', (text) => {
    expect(addressRefusal(parsed(text), 'lan')).toBeNull();
    expect(addressRefusal(parsed(text), 'public')).toBeNull();
  });
  it('leaves a host name to the connection under lan, refuses it under public', () => {
    expect(addressRefusal(parsed('peer.local'), 'lan')).toBeNull();
    expect(addressRefusal(parsed('peer.local'), 'public')).toMatch(/host name/);
  });
});

describe('normalizeCandidate', () => {
  it('writes an IPv6 address canonically and keeps the rest of the line, raddr and rport included', () => {
    const result = normalizeCandidate('a=candidate:2 1 udp 1686052607 2001:4860:0000:0000:0000:0000:0000:0001 3478 typ srflx raddr 0.0.0.0 rport 0 generation 0', 'lan');
    expect(result).toEqual({
      ok: true,
      value: {
        line: 'candidate:2 1 udp 1686052607 2001:4860::1 3478 typ srflx raddr 0.0.0.0 rport 0 generation 0',
        address: { kind: 'ip', family: 6, address: '2001:4860::1', class: 'public' },
        port: 3478,
      },
    });
  });

  it('takes a TCP candidate with tcptype', () => {
    expect(normalizeCandidate('candidate:3 1 TCP 1518280447 192.168.1.2 9 typ host tcptype active', 'lan').ok).toBe(true);
  });

  it.each([
    ['127.1 40000', 'not a canonical IPv4 address'],
    ['2130706433 40000', 'not a canonical IPv4 address'],
    ['0x7f000001 40000', 'not a canonical IPv4 address'],
    ['127.0.0.1 99999', 'not 1–65535'],
    ['127.0.0.1 0', 'not 1–65535'],
    ['255.255.255.255 3478', 'broadcast'],
    ['239.255.255.250 1900', 'multicast'],
    ['169.254.169.254 80', 'link-local'],
    ['fe80::1 3478', 'link-local'],
    ['ff02::fb 5353', 'multicast'],
    ['0.0.0.0 3478', 'unspecified'],
  ])('refuses the address and port %s (%s)', (addressAndPort, rule) => {
    const result = normalizeCandidate(`candidate:1 1 UDP 2122260223 ${addressAndPort} typ host`, 'lan');
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining(rule) });
  });

  it('refuses loopback under public', () => {
    expect(normalizeCandidate('candidate:1 1 UDP 2122260223 127.0.0.1 40000 typ host', 'public')).toMatchObject({ ok: false, reason: expect.stringContaining('loopback') });
  });
});
