import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { formatCidr, formatIp, parseCidr, parseIp, parseIpPrefix } from '../../../app/config/ip.js';

/** WHATWG URL host serialization is an independent RFC 5952-style IPv6 formatter. */
function urlFormat(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

test('IPv4 literals parse to 4 bytes and format back unchanged', () => {
  for (const text of ['0.0.0.0', '10.0.0.2', '192.168.1.255', '255.255.255.255', '1.2.3.4']) {
    const ip = parseIp(text);
    assert.ok(ip, text);
    assert.equal(ip.family, 4);
    assert.equal(ip.bytes.length, 4);
    assert.equal(formatIp(ip.bytes), text);
  }
  assert.deepEqual([...parseIp('10.20.30.40')!.bytes], [10, 20, 30, 40]);
});

test('malformed IPv4 is rejected: out of range, leading zeros, wrong part count, junk', () => {
  for (const text of [
    '300.1.1.1',
    '256.0.0.0',
    '1.2.3.256',
    '010.0.0.1',
    '1.2.3.04',
    '1.2.3',
    '1.2.3.4.5',
    '1..2.3',
    '',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '+1.2.3.4',
    '0x1.2.3.4',
    '1.2.3.-4',
    '1e1.2.3.4',
  ]) {
    assert.equal(parseIp(text), null, JSON.stringify(text));
  }
});

test('IPv6 literals parse to 16 bytes', () => {
  const ip = parseIp('2001:db8::1');
  assert.ok(ip);
  assert.equal(ip.family, 6);
  assert.deepEqual([...ip.bytes], [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1]);
  assert.deepEqual([...parseIp('::')!.bytes], new Array<number>(16).fill(0));
  assert.deepEqual([...parseIp('::ffff:1.2.3.4')!.bytes].slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  assert.deepEqual(parseIp('1:2:3:4:5:6:7::')!.bytes.slice(14), new Uint8Array([0, 0]));
  assert.deepEqual(parseIp('::2:3:4:5:6:7:8')!.bytes.slice(0, 2), new Uint8Array([0, 0]));
  assert.deepEqual(parseIp('FD00::ABCD')!.bytes, parseIp('fd00::abcd')!.bytes);
});

test('malformed IPv6 and zone ids are rejected', () => {
  for (const text of [
    'fe80::1%eth0',
    'fe80::1%1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1::2::3',
    ':::',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '12345::',
    'g::1',
    ':1::2',
    '1::2:',
    '1.2.3.4::',
    '::1.2.3',
    '::256.1.1.1',
    '[::1]',
    '::1/64',
  ]) {
    assert.equal(parseIp(text), null, text);
  }
});

test('IPv6 formatting follows RFC 5952 (longest zero run, first on tie, no single-group ::)', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['FE80:0:0:0:0:0:0:ABCD', 'fe80::abcd'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
    ['0:0:0:0:0:ffff:0a00:0001', '::ffff:10.0.0.1'],
  ];
  for (const [input, expected] of cases)
    assert.equal(formatIp(parseIp(input)!.bytes), expected, input);
});

test('random IPv6 addresses round-trip and agree with the URL parser and node:net', () => {
  for (let i = 0; i < 2000; i++) {
    const bytes = randomBytes(16);
    // Zero runs are where formatting gets interesting, so make them common.
    for (let w = 0; w < 8; w++) {
      if (Math.random() < 0.5) bytes[2 * w] = bytes[2 * w + 1] = 0;
    }
    const isMapped =
      bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
    const text = formatIp(bytes);
    assert.equal(isIP(text), 6, text);
    assert.deepEqual(parseIp(text)!.bytes, new Uint8Array(bytes), text);
    if (!isMapped) assert.equal(text, urlFormat(text), text);
  }
});

test('formatIp refuses byte arrays that are not addresses', () => {
  assert.throws(() => formatIp(new Uint8Array(5)), /4 or 16 bytes/);
});

test('parseCidr clears host bits; parseIpPrefix keeps them; bare addresses are host prefixes', () => {
  const net = parseCidr('10.1.2.3/8');
  assert.deepEqual([...net.address], [10, 0, 0, 0]);
  assert.equal(net.prefixLength, 8);
  assert.equal(formatCidr(parseCidr('192.168.77.200/20')), '192.168.64.0/20');
  assert.equal(formatCidr(parseCidr('2001:db8:9234:5678::1/33')), '2001:db8:8000::/33');
  assert.equal(formatCidr(parseCidr('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(formatCidr(parseCidr('::/0')), '::/0');
  assert.equal(formatCidr(parseCidr('10.0.0.7')), '10.0.0.7/32');
  assert.equal(formatCidr(parseCidr('fd00::7')), 'fd00::7/128');
  const kept = parseIpPrefix('10.0.0.2/24');
  assert.deepEqual([...kept.bytes], [10, 0, 0, 2]);
  assert.equal(kept.prefixLength, 24);
  assert.equal(kept.family, 4);
});

test('bad CIDRs throw short errors naming the value', () => {
  assert.throws(
    () => parseCidr('10.0.0.0/33'),
    /"10\.0\.0\.0\/33" has an invalid prefix length \(0\.\.32/,
  );
  assert.throws(() => parseCidr('300.1.1.1/8'), /"300\.1\.1\.1\/8" is not a valid IP address/);
  assert.throws(() => parseCidr('fd00::/129'), /0\.\.128 for IPv6/);
  assert.throws(() => parseCidr('fe80::1%eth0/64'), /zone ids are not supported/);
  for (const bad of [
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/08',
    '10.0.0.0/8/8',
    '10.0.0.0/x',
    '/8',
    '',
  ]) {
    assert.throws(() => parseCidr(bad), Error, bad);
  }
});
