import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fdFilter,
  parsePerfStatCsv,
  parseTcpOutSegments,
  parseUdpInodes,
  perfArgs,
  perSyscall,
} from '../../bench/tunnel/syscalls.js';

test('UDP socket inodes from /proc/net/udp', () => {
  const text = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  253: 00000000:CA6C 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 918273 2 0000000000000000 0
  254: 0200630A:D431 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 918280 2 0000000000000000 0
`;
  assert.deepEqual([...parseUdpInodes(text)], [918273, 918280]);
  assert.deepEqual([...parseUdpInodes('header only\n')], []);
});

test('perf counts only the TUN and UDP descriptors, by name and filter', () => {
  assert.equal(fdFilter([7, 12]), 'fd == 7 || fd == 12');
  const args = perfArgs({ pid: 99, tun: [7], udp: [9, 10] });
  assert.deepEqual(args.slice(0, 5), ['stat', '-x', ',', '-p', '99']);
  const pairs: [string, string][] = [];
  for (let i = 5; i < args.length; i += 4) {
    assert.equal(args[i], '-e');
    assert.equal(args[i + 2], '--filter');
    pairs.push([args[i + 1]!, args[i + 3]!]);
  }
  assert.deepEqual(pairs.slice(0, 4), [
    ['syscalls:sys_enter_read', 'fd == 7'],
    ['syscalls:sys_enter_readv', 'fd == 7'],
    ['syscalls:sys_enter_write', 'fd == 7'],
    ['syscalls:sys_enter_writev', 'fd == 7'],
  ]);
  assert.ok(pairs.slice(4).every(([, f]) => f === 'fd == 9 || fd == 10'));
  assert.deepEqual(
    pairs.slice(4).map(([e]) => e.replace('syscalls:sys_enter_', '')),
    ['sendmsg', 'sendmmsg', 'sendto', 'recvmsg', 'recvmmsg', 'recvfrom'],
  );
  // No UDP descriptor: no UDP events at all (an empty filter would count everything).
  assert.equal(perfArgs({ pid: 1, tun: [3], udp: [] }).filter((a) => a === '-e').length, 4);
});

test('perf stat CSV, including uncounted events', () => {
  const csv = `12345,,syscalls:sys_enter_read,5012345678,100.00,,
77,,syscalls:sys_enter_sendmmsg,5012345678,100.00,,
<not counted>,,syscalls:sys_enter_recvfrom,0,0.00,,
`;
  const m = parsePerfStatCsv(csv);
  assert.equal(m.get('read'), 12345);
  assert.equal(m.get('sendmmsg'), 77);
  assert.ok(Number.isNaN(m.get('recvfrom')));
  assert.equal(m.size, 3);
});

test('TCP OutSegs from /proc/net/snmp', () => {
  const snmp = `Ip: Forwarding DefaultTTL
Ip: 2 64
Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
Tcp: 1 200 120000 -1 4 0 0 0 0 1500 2500 3 0 0 0
Udp: InDatagrams NoPorts
Udp: 1 2
`;
  assert.equal(parseTcpOutSegments(snmp), 2500);
  assert.throws(() => parseTcpOutSegments('Ip: a\nIp: 1\n'), /no Tcp lines/);
  assert.throws(() => parseTcpOutSegments('Tcp: InSegs\nTcp: 1\n'), /no Tcp OutSegs/);
});

test('packets per syscall, NaN when nothing was counted', () => {
  assert.deepEqual(perSyscall({ packets: 1000, tunSyscalls: 40, udpSyscalls: 20 }), {
    tun: 25,
    udp: 50,
  });
  const none = perSyscall({ packets: 5, tunSyscalls: 0, udpSyscalls: 0 });
  assert.ok(Number.isNaN(none.tun) && Number.isNaN(none.udp));
});
