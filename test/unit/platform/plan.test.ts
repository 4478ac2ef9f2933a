import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, parseIpPrefix } from '../../../app/config/ip.js';
import {
  describeStep,
  planNetwork,
  type PlanInput,
  type PlanStep,
} from '../../../app/platform/linux/plan.js';

function address(text: string): PlanInput['addresses'][number] {
  const p = parseIpPrefix(text);
  return { address: p.bytes, prefixLength: p.prefixLength, family: p.family };
}

function input(overrides: Partial<PlanInput> & { allowed?: string[][] } = {}): PlanInput {
  const { allowed, ...rest } = overrides;
  return {
    ifname: 'wg0',
    ifindex: 7,
    mtu: 1420,
    addresses: [address('10.0.0.2/32'), address('fd00::2/128')],
    peers: (allowed ?? [['10.0.0.0/24']]).map((list) => ({ allowedIps: list.map(parseCidr) })),
    dns: [],
    dnsSearch: [],
    ...rest,
  };
}

/** Steps as short strings: the whole ordered plan is compared at once. */
function texts(steps: PlanStep[]): string[] {
  return steps.map(describeStep);
}

const DEVICE_STEPS = [
  'setting MTU 1420',
  'adding address 10.0.0.2/32',
  'adding address fd00::2/128',
  'bringing the link up',
];

const V4_DEFAULT = (t: number) => [
  `adding rule not fwmark ${t} table ${t}`,
  'adding rule table main suppress_prefixlength 0',
  `adding route 0.0.0.0/0 table ${t}`,
  'setting net.ipv4.conf.all.src_valid_mark=1',
];
const V6_DEFAULT = (t: number) => [
  `adding rule -6 not fwmark ${t} table ${t}`,
  'adding rule -6 table main suppress_prefixlength 0',
  `adding route ::/0 table ${t}`,
];

test('split tunnel: device steps, then one main-table route per prefix, longest first', () => {
  const plan = planNetwork(
    input({ allowed: [['192.168.10.0/24', '10.0.0.0/24', 'fd00:1::/48', '172.16.5.1/32']] }),
  );
  assert.deepEqual(texts(plan.steps), [
    ...DEVICE_STEPS,
    'adding route fd00:1::/48',
    'adding route 172.16.5.1/32',
    'adding route 10.0.0.0/24',
    'adding route 192.168.10.0/24',
  ]);
  assert.equal(plan.socketMark, 0);
  assert.equal(plan.table, null);
  assert.deepEqual(plan.fullTunnel, { ipv4: false, ipv6: false });
  const route = plan.steps.find((s) => s.kind === 'route');
  assert.deepEqual(route, {
    kind: 'route',
    ifindex: 7,
    family: 6,
    dst: 'fd00:1::',
    prefixLength: 48,
  });
});

test('full tunnel IPv4: wg-quick policy routing in table 51820, socket marked, src_valid_mark', () => {
  const plan = planNetwork(input({ allowed: [['0.0.0.0/0']] }));
  assert.deepEqual(texts(plan.steps), [...DEVICE_STEPS, ...V4_DEFAULT(51820)]);
  assert.equal(plan.socketMark, 51820);
  assert.equal(plan.table, 51820);
  assert.deepEqual(plan.fullTunnel, { ipv4: true, ipv6: false });
  const rules = plan.steps.filter((s) => s.kind === 'rule');
  assert.deepEqual(rules, [
    { kind: 'rule', family: 4, table: 51820, fwmark: 51820, invert: true },
    { kind: 'rule', family: 4, table: 254, suppressPrefixLength: 0 },
  ]);
  const route = plan.steps.find((s) => s.kind === 'route');
  assert.deepEqual(route, {
    kind: 'route',
    ifindex: 7,
    family: 4,
    dst: '0.0.0.0',
    prefixLength: 0,
    table: 51820,
  });
});

test('full tunnel IPv6 only: no IPv4 sysctl', () => {
  const plan = planNetwork(input({ allowed: [['::/0']] }));
  assert.deepEqual(texts(plan.steps), [...DEVICE_STEPS, ...V6_DEFAULT(51820)]);
  assert.deepEqual(plan.fullTunnel, { ipv4: false, ipv6: true });
  assert.equal(plan.socketMark, 51820);
});

test('full tunnel both families share one table; specific routes come before the defaults', () => {
  const plan = planNetwork(input({ allowed: [['::/0', '0.0.0.0/0', '10.8.0.0/16']] }));
  assert.deepEqual(texts(plan.steps), [
    ...DEVICE_STEPS,
    'adding route 10.8.0.0/16',
    ...V4_DEFAULT(51820),
    ...V6_DEFAULT(51820),
  ]);
  assert.deepEqual(plan.fullTunnel, { ipv4: true, ipv6: true });
});

test('FwMark from the config is the table and the socket mark; no table search', () => {
  let asked = false;
  const plan = planNetwork(
    input({
      allowed: [['0.0.0.0/0']],
      fwmark: 0x1234,
      tableInUse: () => {
        asked = true;
        return true;
      },
    }),
  );
  assert.equal(asked, false);
  assert.equal(plan.table, 0x1234);
  assert.equal(plan.socketMark, 0x1234);
  assert.deepEqual(texts(plan.steps), [...DEVICE_STEPS, ...V4_DEFAULT(0x1234)]);
});

test('without FwMark, tables in use are skipped like wg-quick does', () => {
  const used = new Set([51820, 51821]);
  const plan = planNetwork(input({ allowed: [['0.0.0.0/0']], tableInUse: (t) => used.has(t) }));
  assert.equal(plan.table, 51822);
  assert.equal(plan.socketMark, 51822);
});

test('FwMark on a split tunnel only marks the socket', () => {
  const plan = planNetwork(input({ allowed: [['10.9.0.0/16']], fwmark: 42 }));
  assert.equal(plan.socketMark, 42);
  assert.equal(plan.table, null);
  assert.equal(plan.steps.filter((s) => s.kind === 'rule').length, 0);
});

test('several peers with overlapping and duplicate prefixes: each route once, host bits cleared', () => {
  const plan = planNetwork(
    input({
      allowed: [
        ['10.1.0.0/16', '10.1.2.0/24', '2001:db8::/32'],
        ['10.1.0.0/16', '10.0.0.0/8'],
        ['2001:db8:0:0::/32', '10.1.2.0/24'],
      ],
    }),
  );
  const peers = plan.steps.filter((s) => s.kind === 'route').map(describeStep);
  assert.deepEqual(peers, [
    'adding route 2001:db8::/32',
    'adding route 10.1.2.0/24',
    'adding route 10.1.0.0/16',
    'adding route 10.0.0.0/8',
  ]);
  // The config parser masks; the planner does not rely on it.
  const unmasked = planNetwork(
    input({
      allowed: [],
      peers: [{ allowedIps: [{ address: new Uint8Array([10, 1, 2, 3]), prefixLength: 16 }] }],
    }),
  );
  assert.deepEqual(unmasked.steps.filter((s) => s.kind === 'route').map(describeStep), [
    'adding route 10.1.0.0/16',
  ]);
});

test("prefixes inside an address's connected route are left to the kernel's route", () => {
  const plan = planNetwork(
    input({
      addresses: [address('10.0.0.2/24'), address('fd00::2/64'), address('10.5.5.5/32')],
      allowed: [['10.0.0.0/24', '10.0.0.9/32', 'fd00::/64', 'fd00::/56', '10.5.5.5/32']],
    }),
  );
  assert.deepEqual(plan.steps.filter((s) => s.kind === 'route').map(describeStep), [
    'adding route fd00::/56',
    // A /32 IPv4 address has no connected route in the main table.
    'adding route 10.5.5.5/32',
  ]);
});

test('duplicate addresses are added once', () => {
  const plan = planNetwork(input({ addresses: [address('10.0.0.2/24'), address('10.0.0.2/24')] }));
  assert.equal(plan.steps.filter((s) => s.kind === 'address').length, 1);
});

test('DNS: planned after link up and before routes; route all domains only for a full tunnel', () => {
  const split = planNetwork(
    input({
      allowed: [['10.9.0.0/16']],
      dns: ['10.0.0.1', 'fd00:0:0::53'],
      dnsSearch: ['corp.example'],
    }),
  );
  assert.deepEqual(texts(split.steps), [
    ...DEVICE_STEPS,
    'configuring DNS 10.0.0.1 fd00::53',
    'adding route 10.9.0.0/16',
  ]);
  assert.deepEqual(split.steps[DEVICE_STEPS.length], {
    kind: 'dns',
    ifname: 'wg0',
    servers: ['10.0.0.1', 'fd00::53'],
    search: ['corp.example'],
    routeAllDomains: false,
  });

  const full = planNetwork(input({ allowed: [['::/0']], dns: ['1.1.1.1'] }));
  const dns = full.steps.find((s) => s.kind === 'dns');
  assert.deepEqual(dns, {
    kind: 'dns',
    ifname: 'wg0',
    servers: ['1.1.1.1'],
    search: [],
    routeAllDomains: true,
  });
});

test('DNS: search domains without servers change nothing (as wg-quick)', () => {
  const plan = planNetwork(input({ dnsSearch: ['corp.example'] }));
  assert.equal(plan.steps.filter((s) => s.kind === 'dns').length, 0);
});

test('bad input: short errors, never a crash', () => {
  const cases: [Partial<PlanInput>, RegExp][] = [
    [{ ifname: '' }, /interface name ""/],
    [{ ifname: 'a/b' }, /interface name "a\/b"/],
    [{ ifname: 'way-too-long-ifname' }, /interface name/],
    [{ ifindex: 0 }, /ifindex 0/],
    [{ mtu: 20 }, /MTU 20 \(68\.\.65535\)/],
    [{ fwmark: -1 }, /FwMark -1/],
    [{ dns: ['dns.example'] }, /DNS server "dns.example" is not an IP address/],
    [{ dns: ['1.1.1.1'], dnsSearch: ['evil\nnameserver 6.6.6.6'] }, /DNS search domain/],
    [{ dns: ['1.1.1.1'], dnsSearch: ['-x'] }, /DNS search domain "-x"/],
    [
      { addresses: [{ address: new Uint8Array(5), prefixLength: 8, family: 4 }] },
      /5 address bytes/,
    ],
    [
      { addresses: [{ address: new Uint8Array(4), prefixLength: 33, family: 4 }] },
      /prefix length 33 \(0\.\.32 for IPv4\)/,
    ],
    [
      { addresses: [{ address: new Uint8Array(4), prefixLength: 8, family: 6 }] },
      /family 6 does not match/,
    ],
    [
      { peers: [{ allowedIps: [{ address: new Uint8Array(16), prefixLength: 129 }] }] },
      /AllowedIPs entry has prefix length 129/,
    ],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => planNetwork(input(bad)), message, JSON.stringify(bad));
  }
});

test('a plan is plain data: it survives a JSON round trip unchanged', () => {
  const plan = planNetwork(input({ allowed: [['0.0.0.0/0', '::/0']], dns: ['10.0.0.1'] }));
  assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
});
