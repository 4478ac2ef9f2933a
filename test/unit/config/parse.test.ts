import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../../app/config/errors.js';
import { parseWgQuick } from '../../../app/config/parse.js';
import { redactedSummary } from '../../../app/config/summary.js';
import type { WgQuickConfig } from '../../../app/config/types.js';

function newKey(): { text: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(randomBytes(32));
  return { text: Buffer.from(bytes).toString('base64'), bytes };
}

const priv = newKey();
const peerA = newKey();
const peerB = newKey();
const psk = newKey();

function parse(text: string): WgQuickConfig {
  return parseWgQuick(text, 'wg0.conf');
}

/** A minimal valid config plus extra lines in [Interface] and in one [Peer]. */
function withLines(interfaceLines: string[], peerLines: string[] = ['AllowedIPs = 0.0.0.0/0']) {
  return [
    '[Interface]',
    `PrivateKey = ${priv.text}`,
    ...interfaceLines,
    '[Peer]',
    `PublicKey = ${peerA.text}`,
    ...peerLines,
  ].join('\n');
}

function expectError(text: string, line: number, problem: RegExp): ConfigError {
  let caught: unknown;
  try {
    parse(text);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError matching ${problem}`);
  assert.match(caught.problem, problem);
  assert.equal(caught.line, line, `line of "${caught.message}"`);
  assert.equal(caught.file, 'wg0.conf');
  assert.equal(
    caught.message,
    line > 0 ? `wg0.conf:${line}: ${caught.problem}` : `wg0.conf: ${caught.problem}`,
  );
  for (const secret of [priv.text, psk.text]) {
    assert.ok(!caught.message.includes(secret), `secret leaked in "${caught.message}"`);
  }
  return caught;
}

test('a realistic full config with several peers', () => {
  const config = parse(
    [
      '# Slipstream test tunnel',
      '[Interface]',
      `PrivateKey = ${priv.text}   # the device key`,
      'Address = 10.8.0.2/24, fd42:42:42::2/64',
      'Address = 192.168.99.5',
      'DNS = 10.8.0.1, 2606:4700:4700::1111, corp.example.com',
      'MTU = 1380',
      'ListenPort = 51820',
      'FwMark = 0xca6c',
      '',
      '[Peer]',
      '# gateway',
      `PublicKey = ${peerA.text}`,
      `PresharedKey = ${psk.text}`,
      'Endpoint = vpn.example.com:51820',
      'AllowedIPs = 0.0.0.0/0, ::/0',
      'PersistentKeepalive = 25',
      '',
      '[Peer]',
      `PublicKey = ${peerB.text}`,
      'Endpoint = [2001:db8::10]:4500',
      'AllowedIPs = 10.9.0.0/16',
      'AllowedIPs = fd43::/48',
    ].join('\n'),
  );
  assert.equal(config.file, 'wg0.conf');
  const iface = config.interface;
  assert.equal(iface.line, 2);
  assert.deepEqual(iface.privateKey, priv.bytes);
  assert.deepEqual(
    iface.addresses.map((a) => [a.text, a.family, a.prefixLength]),
    [
      ['10.8.0.2/24', 4, 24],
      ['fd42:42:42::2/64', 6, 64],
      ['192.168.99.5/32', 4, 32],
    ],
  );
  assert.deepEqual([...iface.addresses[0]!.address], [10, 8, 0, 2]);
  assert.deepEqual(iface.dns, ['10.8.0.1', '2606:4700:4700::1111']);
  assert.deepEqual(iface.dnsSearch, ['corp.example.com']);
  assert.equal(iface.mtu, 1380);
  assert.equal(iface.listenPort, 51820);
  assert.equal(iface.fwmark, 0xca6c);

  assert.equal(config.peers.length, 2);
  const [a, b] = config.peers;
  assert.equal(a!.line, 11);
  assert.deepEqual(a!.publicKey, peerA.bytes);
  assert.deepEqual(a!.presharedKey, psk.bytes);
  assert.deepEqual(a!.endpoint, {
    host: 'vpn.example.com',
    port: 51820,
    line: 15,
    isIpLiteral: false,
  });
  assert.deepEqual(a!.allowedIpsText, ['0.0.0.0/0', '::/0']);
  assert.deepEqual(
    a!.allowedIps.map((c) => [c.address.length, c.prefixLength]),
    [
      [4, 0],
      [16, 0],
    ],
  );
  assert.equal(a!.persistentKeepalive, 25);
  assert.equal(b!.line, 19);
  assert.equal(b!.presharedKey, undefined);
  assert.deepEqual(b!.endpoint, { host: '2001:db8::10', port: 4500, line: 21, isIpLiteral: true });
  assert.deepEqual(b!.allowedIpsText, ['10.9.0.0/16', 'fd43::/48']);
  assert.equal(b!.persistentKeepalive, undefined);
  assert.deepEqual(config.warnings, []);
});

test('syntax: case-insensitive keys and sections, comments, blank lines, CRLF, BOM, "=" in values', () => {
  const config = parse(
    [
      '\uFEFF  # leading comment',
      '[interface]\r',
      `  privatekey=${priv.text}#trailing comment\r`,
      '\t',
      '  ADDRESS   =   10.0.0.2/24  \r',
      '[ PEER ]',
      `PUBLICKEY =${peerA.text}`,
      'allowedips= 10.0.0.0/24 ,fd00::/64',
    ].join('\n'),
  );
  assert.deepEqual(config.interface.privateKey, priv.bytes);
  assert.deepEqual(
    config.interface.addresses.map((a) => a.text),
    ['10.0.0.2/24'],
  );
  assert.deepEqual(config.peers[0]!.publicKey, peerA.bytes);
  assert.deepEqual(config.peers[0]!.allowedIpsText, ['10.0.0.0/24', 'fd00::/64']);
});

test('Address: lists, repeats, bare addresses, host bits kept, canonical IPv6, duplicates merged', () => {
  const config = parse(
    withLines(['Address = 10.0.0.2/24,FD00:0:0::2/64', 'Address = 10.0.0.2/24, 10.1.1.1, fd00::9']),
  );
  assert.deepEqual(
    config.interface.addresses.map((a) => a.text),
    ['10.0.0.2/24', 'fd00::2/64', '10.1.1.1/32', 'fd00::9/128'],
  );
  assert.deepEqual(config.interface.addresses[1]!.address.slice(0, 2), new Uint8Array([0xfd, 0]));
  expectError(
    withLines(['Address = 10.0.0.0/33']),
    3,
    /^Address "10\.0\.0\.0\/33" has an invalid prefix length/,
  );
  expectError(
    withLines(['Address = 300.1.1.1/8']),
    3,
    /^Address "300\.1\.1\.1\/8" is not a valid IP address/,
  );
  expectError(withLines(['Address = 10.0.0.2/24,,10.0.0.3']), 3, /empty entry in the Address list/);
  expectError(withLines(['Address = fe80::1%wg0/64']), 3, /zone ids are not supported/);
});

test('DNS: IP literals are servers, other names are search domains, junk is an error', () => {
  const config = parse(
    withLines(['DNS = 1.1.1.1, 2001:4860:4860:0::8888, home.arpa.', 'DNS = lan, 1.1.1.1']),
  );
  assert.deepEqual(config.interface.dns, ['1.1.1.1', '2001:4860:4860::8888']);
  assert.deepEqual(config.interface.dnsSearch, ['home.arpa.', 'lan']);
  expectError(
    withLines(['DNS = 1.1.1.300']),
    3,
    /^DNS "1\.1\.1\.300" is neither an IP address nor a domain name/,
  );
  expectError(withLines(['DNS = 2001:db8::zz']), 3, /neither an IP address nor a domain name/);
  expectError(withLines(['DNS = bad_-.', 'x']), 3, /neither/);
  const spaced = parse(withLines(['Address = 10.0.0.2/24 fd00::2/64', 'DNS = 9.9.9.9 corp']));
  assert.deepEqual(
    spaced.interface.addresses.map((a) => a.text),
    ['10.0.0.2/24', 'fd00::2/64'],
  );
  assert.deepEqual(spaced.interface.dns, ['9.9.9.9']);
  assert.deepEqual(spaced.interface.dnsSearch, ['corp']);
  expectError(
    withLines([], ['AllowedIPs = 10.0.0.0/8 10.1.0.0/16']),
    5,
    /AllowedIPs "10\.0\.0\.0\/8 10/,
  );
});

test('MTU, ListenPort and FwMark ranges and forms', () => {
  assert.equal(parse(withLines(['MTU = 576'])).interface.mtu, 576);
  assert.equal(parse(withLines(['MTU = 65535'])).interface.mtu, 65535);
  assert.equal(parse(withLines([])).interface.mtu, undefined);
  expectError(withLines(['MTU = 575']), 3, /^MTU "575" is not a number from 576 to 65535/);
  expectError(withLines(['MTU = 65536']), 3, /MTU/);
  expectError(withLines(['MTU = 1420.5']), 3, /MTU/);
  expectError(withLines(['MTU =']), 3, /^MTU has no value$/);

  assert.equal(parse(withLines(['ListenPort = 0'])).interface.listenPort, 0);
  assert.equal(parse(withLines(['ListenPort = 65535'])).interface.listenPort, 65535);
  expectError(
    withLines(['ListenPort = 65536']),
    3,
    /^ListenPort "65536" is not a number from 0 to 65535/,
  );
  expectError(withLines(['ListenPort = -1']), 3, /ListenPort/);
  expectError(withLines(['ListenPort = http']), 3, /ListenPort/);

  assert.equal(parse(withLines(['FwMark = 51820'])).interface.fwmark, 51820);
  assert.equal(parse(withLines(['FwMark = 0xFFFFFFFF'])).interface.fwmark, 0xffffffff);
  assert.equal(parse(withLines(['FwMark = off'])).interface.fwmark, undefined);
  assert.equal(parse(withLines(['FwMark = 0'])).interface.fwmark, undefined);
  expectError(
    withLines(['FwMark = 4294967296']),
    3,
    /^FwMark "4294967296" is not "off" or a 32-bit number/,
  );
  expectError(withLines(['FwMark = 0x1ffffffff']), 3, /FwMark/);
  expectError(withLines(['FwMark = on']), 3, /FwMark/);
});

test('the MTU warning when an IPv6 address cannot fit', () => {
  const config = parse(withLines(['MTU = 1200', 'Address = fd00::2/64']));
  assert.deepEqual(config.warnings, [
    {
      file: 'wg0.conf',
      line: 3,
      message: 'MTU 1200 is below 1280, the minimum for IPv6; IPv6 will not work',
    },
  ]);
  assert.deepEqual(parse(withLines(['MTU = 1200', 'Address = 10.0.0.2/24'])).warnings, []);
});

test('wg-quick hooks and unsupported settings are warnings, never stored', () => {
  const hooks = ['PreUp', 'PostUp', 'PreDown', 'PostDown'];
  const config = parse(
    withLines([
      ...hooks.map((h) => `${h} = iptables -A FORWARD -i %i -j ACCEPT`),
      'PostUp = echo second',
      'Table = off',
      'SaveConfig = true',
    ]),
  );
  assert.deepEqual(
    config.warnings.map((w) => [w.line, w.message]),
    [
      [3, 'PreUp is a wg-quick hook; Slipstream never runs it'],
      [4, 'PostUp is a wg-quick hook; Slipstream never runs it'],
      [5, 'PreDown is a wg-quick hook; Slipstream never runs it'],
      [6, 'PostDown is a wg-quick hook; Slipstream never runs it'],
      [7, 'PostUp is a wg-quick hook; Slipstream never runs it'],
      [8, 'Table is a wg-quick setting Slipstream does not support; ignored'],
      [9, 'SaveConfig is a wg-quick setting Slipstream does not support; ignored'],
    ],
  );
  assert.ok(
    !JSON.stringify(config, (_k, v: unknown) => (v instanceof Uint8Array ? '' : v)).includes(
      'iptables',
    ),
  );
  expectError(
    withLines([], ['PostUp = true']),
    5,
    /^PostUp belongs in \[Interface\], not in \[Peer\]/,
  );
});

test('keys: PresharedKey optional, strict 44-character base64 for every key', () => {
  assert.deepEqual(
    parse(withLines([], [`PresharedKey = ${psk.text}`])).peers[0]!.presharedKey,
    psk.bytes,
  );
  const short = priv.text.slice(0, 40) + '===';
  const noPad = priv.text.slice(0, 43) + 'A';
  const urlSafe = priv.text.replace(/\+/g, '-').replace(/\//g, '_');
  const tooLong = Buffer.from(randomBytes(33)).toString('base64');
  // Same length, but the last character carries bits beyond the 32 bytes.
  const strayBits = priv.text.slice(0, 42) + 'B=';
  for (const bad of [
    short,
    noPad,
    tooLong,
    strayBits,
    priv.text.slice(1),
    `${priv.text}=`,
    'not a key',
  ]) {
    const text = ['[Interface]', `PrivateKey = ${bad}`].join('\n');
    expectError(
      text,
      2,
      /^PrivateKey is not a valid key \(expected 44 base64 characters ending in "="\)$/,
    );
  }
  if (urlSafe !== priv.text)
    expectError(`[Interface]\nPrivateKey = ${urlSafe}`, 2, /PrivateKey is not a valid key/);
  expectError(withLines([], ['PresharedKey = AAAA']), 5, /^PresharedKey is not a valid key/);
  expectError(
    ['[Interface]', `PrivateKey = ${priv.text}`, '[Peer]', 'PublicKey = abc='].join('\n'),
    4,
    /^PublicKey is not a valid key/,
  );
});

test('Endpoint: IPv4, bracketed IPv6, host names; ports 1..65535; unbracketed IPv6 has a hint', () => {
  const endpoint = (value: string) =>
    parse(withLines([], [`Endpoint = ${value}`])).peers[0]!.endpoint;
  assert.deepEqual(endpoint('203.0.113.5:51820'), {
    host: '203.0.113.5',
    port: 51820,
    line: 5,
    isIpLiteral: true,
  });
  assert.deepEqual(endpoint('[2001:DB8:0::1]:1'), {
    host: '2001:db8::1',
    port: 1,
    line: 5,
    isIpLiteral: true,
  });
  assert.deepEqual(endpoint('wg.example.net:65535'), {
    host: 'wg.example.net',
    port: 65535,
    line: 5,
    isIpLiteral: false,
  });
  assert.deepEqual(endpoint('localhost:51820'), {
    host: 'localhost',
    port: 51820,
    line: 5,
    isIpLiteral: false,
  });

  expectError(
    withLines([], ['Endpoint = 2001:db8::1:51820']),
    5,
    /^Endpoint "2001:db8::1:51820": IPv6 addresses need brackets, e.g. \[2001:db8::1\]:51820$/,
  );
  expectError(
    withLines([], ['Endpoint = 1.2.3.4:0']),
    5,
    /^Endpoint port "0" is not a number from 1 to 65535$/,
  );
  expectError(withLines([], ['Endpoint = 1.2.3.4:65536']), 5, /port "65536"/);
  expectError(withLines([], ['Endpoint = 1.2.3.4:']), 5, /port ""/);
  expectError(withLines([], ['Endpoint = 1.2.3.4']), 5, /has no port \(expected host:port\)/);
  expectError(
    withLines([], ['Endpoint = [2001:db8::1]']),
    5,
    /has no port \(expected \[address\]:port\)/,
  );
  expectError(withLines([], ['Endpoint = [2001:db8::1:51820']), 5, /missing the closing "\]"/);
  expectError(withLines([], ['Endpoint = [1.2.3.4]:5']), 5, /not a valid IPv6 address/);
  expectError(withLines([], ['Endpoint = [fe80::1%eth0]:5']), 5, /zone ids are not supported/);
  expectError(
    withLines([], ['Endpoint = 300.1.1.1:5']),
    5,
    /"300\.1\.1\.1" is not a valid IPv4 address/,
  );
  expectError(withLines([], ['Endpoint = bad host:5']), 5, /"bad host" is not a valid host name/);
  expectError(withLines([], ['Endpoint =']), 5, /^Endpoint has no value$/);
});

test('AllowedIPs: repeatable lists, host bits masked with a warning, empty allowed, bad entries rejected', () => {
  const config = parse(
    withLines(
      [],
      [
        'AllowedIPs = 10.1.2.3/8, 192.168.0.1',
        'AllowedIPs = 2001:db8::1/32,10.0.0.0/8',
        'AllowedIPs =',
      ],
    ),
  );
  const peer = config.peers[0]!;
  assert.deepEqual(peer.allowedIpsText, ['10.0.0.0/8', '192.168.0.1/32', '2001:db8::/32']);
  assert.deepEqual([...peer.allowedIps[0]!.address], [10, 0, 0, 0]);
  assert.equal(peer.allowedIps[2]!.prefixLength, 32);
  assert.deepEqual(
    config.warnings.map((w) => [w.line, w.message]),
    [
      [5, 'AllowedIPs 10.1.2.3/8 has host bits set; using 10.0.0.0/8'],
      [6, 'AllowedIPs 2001:db8::1/32 has host bits set; using 2001:db8::/32'],
    ],
  );
  expectError(
    withLines([], ['AllowedIPs = 10.0.0.0/33']),
    5,
    /^AllowedIPs "10\.0\.0\.0\/33" has an invalid prefix length/,
  );
  expectError(
    withLines([], ['AllowedIPs = 300.1.1.1/8']),
    5,
    /^AllowedIPs "300\.1\.1\.1\/8" is not a valid IP address/,
  );
  expectError(withLines([], ['AllowedIPs = 10.0.0.0/8,']), 5, /empty entry in the AllowedIPs list/);
});

test('peer warnings: no AllowedIPs, a network claimed by two peers, no peers at all', () => {
  const none = parse(
    ['[Interface]', `PrivateKey = ${priv.text}`, '[Peer]', `PublicKey = ${peerA.text}`].join('\n'),
  );
  assert.deepEqual(
    none.warnings.map((w) => [w.line, w.message]),
    [[3, '[Peer] has no AllowedIPs; no traffic will be sent to it']],
  );
  const shared = parse(
    [
      '[Interface]',
      `PrivateKey = ${priv.text}`,
      '[Peer]',
      `PublicKey = ${peerA.text}`,
      'AllowedIPs = 10.0.0.0/8',
      '[Peer]',
      `PublicKey = ${peerB.text}`,
      'AllowedIPs = 10.0.0.0/8',
    ].join('\n'),
  );
  assert.deepEqual(
    shared.warnings.map((w) => [w.line, w.message]),
    [[8, 'AllowedIPs 10.0.0.0/8 is also in the [Peer] on line 3; only the last peer gets it']],
  );
  const alone = parse(['[Interface]', `PrivateKey = ${priv.text}`].join('\n'));
  assert.deepEqual(alone.peers, []);
  assert.deepEqual(
    alone.warnings.map((w) => [w.line, w.message]),
    [[0, 'no [Peer] sections; the tunnel will carry no traffic']],
  );
});

test('PersistentKeepalive: seconds, off, 0 = off, out of range', () => {
  const keepalive = (value: string) =>
    parse(withLines([], [`PersistentKeepalive = ${value}`])).peers[0]!.persistentKeepalive;
  assert.equal(keepalive('25'), 25);
  assert.equal(keepalive('65535'), 65535);
  assert.equal(keepalive('off'), undefined);
  assert.equal(keepalive('OFF'), undefined);
  assert.equal(keepalive('0'), undefined);
  expectError(
    withLines([], ['PersistentKeepalive = 65536']),
    5,
    /^PersistentKeepalive "65536" is not "off" or a number/,
  );
  expectError(withLines([], ['PersistentKeepalive = 10s']), 5, /PersistentKeepalive/);
});

test('structure errors: empty, comments only, missing sections and keys, duplicates', () => {
  expectError('', 0, /^no \[Interface\] section$/);
  expectError('# nothing here\n\n   # at all\n', 0, /^no \[Interface\] section$/);
  expectError(`[Peer]\nPublicKey = ${peerA.text}`, 0, /^no \[Interface\] section$/);
  expectError('[Interface]\nAddress = 10.0.0.2/24\n', 1, /^\[Interface\] has no PrivateKey$/);
  expectError(
    withLines([], []).replace(`PublicKey = ${peerA.text}`, 'Endpoint = 1.2.3.4:5'),
    3,
    /^\[Peer\] has no PublicKey$/,
  );
  expectError(
    withLines([`PrivateKey = ${newKey().text}`]),
    3,
    /^duplicate PrivateKey \(first set on line 2\)$/,
  );
  expectError(
    withLines(['MTU = 1400', 'mtu = 1400']),
    4,
    /^duplicate MTU \(first set on line 3\)$/,
  );
  expectError(
    withLines([], ['Endpoint = 1.2.3.4:5', 'Endpoint = 1.2.3.4:6']),
    6,
    /^duplicate Endpoint/,
  );
  expectError(
    withLines([], []) + `\n[Peer]\nPublicKey = ${peerA.text}`,
    6,
    /^duplicate peer: this PublicKey is already used by the \[Peer\] on line 3$/,
  );
  expectError(
    withLines([]) + '\n[Interface]',
    6,
    /^second \[Interface\] section \(the first is on line 1\)$/,
  );
});

test('unknown sections and keys, keys outside sections, malformed lines', () => {
  expectError(
    withLines([]) + '\n[Peers]',
    6,
    /^unknown section \[Peers\] \(expected \[Interface\] or \[Peer\]\)$/,
  );
  expectError(withLines([]) + '\n[Interface', 6, /^malformed section header/);
  expectError(
    withLines(['Adress = 10.0.0.2/24']),
    3,
    /^unknown key "Adress" in \[Interface\] \(did you mean Address\?\)$/,
  );
  expectError(
    withLines([], ['Adress = 10.0.0.2/24']),
    5,
    /^unknown key "Adress" in \[Peer\] \(did you mean Address\? It belongs in \[Interface\]\)$/,
  );
  expectError(withLines(['Jc = 4']), 3, /^unknown key "Jc" in \[Interface\]$/);
  expectError(
    withLines(['PublicKey = x']),
    3,
    /^PublicKey belongs in \[Peer\], not in \[Interface\]$/,
  );
  expectError(
    `PrivateKey = ${priv.text}\n[Interface]`,
    1,
    /^PrivateKey appears before any \[Interface\] or \[Peer\] section$/,
  );
  expectError('Foo = 1\n[Interface]', 1, /^"Foo" appears before any/);
  expectError(
    withLines(['Address 10.0.0.2/24']),
    3,
    /^expected "Key = Value" or a \[Section\] header$/,
  );
  expectError(withLines(['= 10.0.0.2/24']), 3, /^missing key name before "="$/);
});

test('line length limit', () => {
  const fine = parse(withLines([`# ${'x'.repeat(4094)}`]));
  assert.equal(fine.peers.length, 1);
  expectError(
    withLines([`# ${'x'.repeat(4095)}`]),
    3,
    /^line too long \(more than 4096 characters\)$/,
  );
  expectError(withLines([`DNS = ${'a,'.repeat(3000)}a`]), 3, /^line too long/);
});

test('no error message ever contains the private or preshared key text', () => {
  const broken: string[] = [
    // The key pasted on its own line, or with a missing "=": it parses as a key name.
    withLines([priv.text]),
    withLines([`PrivateKey ${priv.text}`]),
    withLines([`${priv.text} = x`]),
    `${priv.text}\n[Interface]`,
    `[${priv.text}]`,
    // The key in the wrong setting or with a typo in the name.
    withLines([`Address = ${priv.text}`]),
    withLines([`DNS = ${priv.text}`]),
    withLines([`MTU = ${priv.text}`]),
    withLines([`ListenPort = ${priv.text}`]),
    withLines([`FwMark = ${priv.text}`]),
    withLines([`PrivateKey = ${priv.text}`]),
    withLines([`PrivatKey = ${priv.text}`]),
    withLines([], [`Endpoint = ${psk.text}`]),
    withLines([], [`Endpoint = ${psk.text}:51820`]),
    withLines([], [`Endpoint = [${psk.text}]:51820`]),
    withLines([], [`AllowedIPs = ${psk.text}`]),
    withLines([], [`PersistentKeepalive = ${psk.text}`]),
    withLines([], [`PresharedKey = ${psk.text}x`]),
    withLines([], [`PresharedKey = ${psk.text.slice(0, 43)}`]),
    withLines([], [`PresharedKey = ${psk.text}`, `PresharedKey = ${psk.text}`]),
    `[Interface]\nPrivateKey = ${priv.text.slice(0, 43)}`,
    `[Interface]\nPrivateKey = ${priv.text} ${priv.text}`,
  ];
  for (const text of broken) {
    assert.throws(
      () => parse(text),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        for (const secret of [priv.text, priv.text.slice(0, 43), psk.text, psk.text.slice(0, 43)]) {
          assert.ok(!err.message.includes(secret), `secret leaked: ${err.message}`);
          assert.ok(!err.problem.includes(secret));
        }
        return true;
      },
      text,
    );
  }
});

test('redactedSummary describes the tunnel without any key material', () => {
  const config = parse(
    withLines(
      ['Address = 10.0.0.2/24', 'DNS = 1.1.1.1, lan', 'MTU = 1400', 'ListenPort = 1234'],
      [
        `PresharedKey = ${psk.text}`,
        'Endpoint = [2001:db8::1]:51820',
        'PersistentKeepalive = 15',
        'AllowedIPs = 0.0.0.0/0',
      ],
    ),
  );
  const summary = redactedSummary(config);
  assert.deepEqual(summary, {
    file: 'wg0.conf',
    interface: {
      addresses: ['10.0.0.2/24'],
      dns: ['1.1.1.1'],
      dnsSearch: ['lan'],
      mtu: 1400,
      listenPort: 1234,
      fwmark: null,
    },
    peers: [
      {
        publicKey: peerA.text,
        hasPsk: true,
        endpoint: '[2001:db8::1]:51820',
        allowedIps: ['0.0.0.0/0'],
        persistentKeepalive: 15,
      },
    ],
    warnings: 0,
  });
  const text = JSON.stringify(summary);
  assert.ok(!text.includes(priv.text) && !text.includes(psk.text));
});
