/**
 * TUN creation and link/address/route/rule configuration against the real
 * kernel, inside a throwaway network namespace (see helpers/netns.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestNamespace } from './helpers/netns.js';
import { fixtureLinksInHost } from './helpers/host-check.js';

interface IpLink {
  ifname: string;
  mtu: number;
  flags: string[];
}
interface IpAddr extends IpLink {
  addr_info: { family: string; local: string; prefixlen: number; nodad?: boolean }[];
}
interface IpRoute {
  dst: string;
  table?: string;
  protocol?: string;
  scope?: string;
  metric?: number;
  type?: string;
}
interface IpRule {
  priority: number;
  table: string;
  not?: null;
  fwmark?: string;
  suppress_prefixlen?: number;
}
interface ErrorReport {
  name: string;
  message: string;
  code?: string;
  errno?: number;
}

interface LinksReport {
  created: {
    named: { name: string; ifindex: number; linkIndex: number };
    picked: { name: string; ifindex: number; linkIndex: number };
    absentIndex: number;
  };
  configured: { link: IpLink[]; addr: IpAddr[]; routes4: IpRoute[]; routes6: IpRoute[] };
  afterDelete: { routes4: IpRoute[]; routes6: IpRoute[] };
  downLink: IpLink[];
  afterClose: { linkIndex: number; links: string[] };
  afterBothClosed: { linkIndex: number; links: string[] };
  persistent: { before: number; after: number };
}

interface RulesReport {
  added: { rules4: IpRule[]; rules6: IpRule[] };
  duplicate: ErrorReport | null;
  deleted: { rules4: IpRule[]; rules6: IpRule[] };
  missing: ErrorReport | null;
}

let ns: TestNamespace | undefined;

before(async () => {
  ns = await TestNamespace.create('ncfg');
});

after(async () => {
  await ns?.delete();
  assert.deepEqual(fixtureLinksInHost(), [], 'fixture links leaked into the host namespace');
});

function namespace(): TestNamespace {
  if (!ns) throw new Error('namespace not created');
  return ns;
}

/** Routes we added (not the kernel's own ones for addresses and the local table). */
function ours(routes: IpRoute[]): IpRoute[] {
  return routes.filter((r) => r.protocol === 'static');
}

test('TUN devices, MTU, up/down, addresses and routes', async () => {
  const r = await namespace().runFixture<LinksReport>('netconfig-fixture', ['links']);

  assert.equal(r.created.named.name, 'sstun0');
  assert.ok(r.created.named.ifindex > 0);
  assert.equal(r.created.named.linkIndex, r.created.named.ifindex);
  assert.match(r.created.picked.name, /^tun\d+$/, 'kernel-picked name');
  assert.equal(r.created.picked.linkIndex, r.created.picked.ifindex);
  assert.notEqual(r.created.picked.ifindex, r.created.named.ifindex);
  assert.equal(r.created.absentIndex, 0);

  const [link] = r.configured.link;
  assert.equal(link?.mtu, 1380);
  assert.ok(link?.flags.includes('UP'), 'link is up');
  assert.ok(link?.flags.includes('POINTOPOINT'), 'a layer-3 TUN');

  const addrs = r.configured.addr[0]?.addr_info ?? [];
  const v4 = addrs.find((a) => a.local === '10.77.0.1');
  const v6 = addrs.find((a) => a.local === 'fd77::1');
  assert.deepEqual([v4?.family, v4?.prefixlen], ['inet', 24]);
  assert.deepEqual([v6?.family, v6?.prefixlen, v6?.nodad], ['inet6', 64, true]);

  const byDst = (routes: IpRoute[]) =>
    Object.fromEntries(ours(routes).map((x) => [`${x.dst} ${x.table ?? 'main'}`, x]));
  const routes4 = byDst(r.configured.routes4);
  const routes6 = byDst(r.configured.routes6);
  assert.deepEqual(Object.keys(routes4).sort(), [
    '10.78.0.0/16 main',
    '10.79.0.0/24 1000',
    'default 51820',
  ]);
  assert.deepEqual(Object.keys(routes6).sort(), [
    'default 51820',
    'fd78::/48 main',
    'fd79::/64 1000',
  ]);
  assert.equal(routes4['10.78.0.0/16 main']?.metric, 50);
  assert.equal(routes4['10.78.0.0/16 main']?.scope, 'link');
  assert.equal(routes6['fd79::/64 1000']?.metric, 7);

  assert.deepEqual(ours(r.afterDelete.routes4), [], 'IPv4 routes deleted');
  assert.deepEqual(ours(r.afterDelete.routes6), [], 'IPv6 routes deleted');

  assert.ok(!r.downLink[0]?.flags.includes('UP'), 'link set down');

  assert.equal(r.afterClose.linkIndex, 0, 'close() removes the device');
  assert.ok(!r.afterClose.links.includes('sstun0'));
  assert.ok(r.afterClose.links.includes(r.created.picked.name), 'the other device is untouched');
  assert.deepEqual(r.afterBothClosed.links, ['lo']);
  assert.equal(r.afterBothClosed.linkIndex, 0);

  assert.ok(r.persistent.before > 0);
  assert.equal(r.persistent.after, 0, 'linkDelete removes a persistent device');
});

test('policy rules: fwmark, invert, suppress_prefixlength, both families, deleted again', async () => {
  const r = await namespace().runFixture<RulesReport>('netconfig-fixture', ['rules']);
  for (const [family, rules] of [
    ['v4', r.added.rules4],
    ['v6', r.added.rules6],
  ] as const) {
    const notMark = rules.find((x) => x.priority === 1000);
    assert.deepEqual(
      notMark,
      { priority: 1000, not: null, src: 'all', fwmark: '0xca6c', table: '51820' },
      `${family} "not fwmark" rule`,
    );
    const suppress = rules.find((x) => x.priority === 1001);
    assert.deepEqual(
      suppress,
      { priority: 1001, src: 'all', table: 'main', suppress_prefixlen: 0 },
      `${family} suppress_prefixlength rule`,
    );
  }
  const plainMark = r.added.rules4.find((x) => x.table === '100');
  assert.equal(plainMark?.fwmark, '0x1234');
  assert.equal(plainMark?.not, undefined);
  assert.ok((plainMark?.priority ?? 0) > 0, 'kernel picked a priority');

  assert.deepEqual(
    [r.duplicate?.name, r.duplicate?.message, r.duplicate?.code, r.duplicate?.errno],
    ['Error', 'ruleAdd: File exists', 'EEXIST', 17],
  );
  const leftover = (rules: IpRule[]) =>
    rules.filter((x) => !['local', 'main', 'default'].includes(x.table));
  assert.deepEqual(leftover(r.deleted.rules4), []);
  assert.deepEqual(leftover(r.deleted.rules6), []);
  assert.equal(r.missing?.code, 'ENOENT');
});

test('kernel refusals are Errors with code and errno; bad arguments are Type/RangeErrors', async () => {
  const r = await namespace().runFixture<Record<string, ErrorReport | null>>('netconfig-fixture', [
    'errors',
  ]);
  const system: Record<string, [string, string]> = {
    routeAddBadIfindex: ['routeAdd: No such device', 'ENODEV'],
    routeDeleteMissing: ['routeDelete: No such process', 'ESRCH'],
    addressAddDuplicate: ['addressAdd: File exists', 'EEXIST'],
    linkSetMtuBadIfindex: ['linkSetMtu: No such device', 'ENODEV'],
    linkDeleteMissing: ['linkDelete: No such device', 'ENODEV'],
    openTunTaken: ['openTun: Device or resource busy', 'EBUSY'],
  };
  const errnos: Record<string, number> = { ENODEV: 19, ESRCH: 3, EEXIST: 17, EBUSY: 16 };
  for (const [name, [message, code]] of Object.entries(system)) {
    assert.deepEqual(r[name], { name: 'Error', message, code, errno: errnos[code] }, name);
  }

  const typeErrors = [
    'openTunNotString',
    'linkSetMtuNotNumber',
    'linkSetUpNotBoolean',
    'addressAddNotBytes',
    'routeAddNoObject',
    'routeAddMissingDst',
    'ruleAddNoTable',
    'ruleAddInvertAlone',
    'openUdpNoOptions',
    'tunWriteNotBytes',
    'tunStartNotFunction',
    'constructDirectly',
  ];
  const rangeErrors = [
    'openTunLongName',
    'linkSetMtuTooSmall',
    'linkSetMtuTooBig',
    'linkSetMtuFraction',
    'linkIndexSlash',
    'linkSetUpNegative',
    'addressAddThreeBytes',
    'addressAddPrefix33',
    'addressAddPrefix129',
    'routeAddHostBits',
    'routeAddTableZero',
    'ruleAddFamily5',
    'ruleAddSuppress33',
    'openUdpPortTooBig',
    'openUdpNegativeMark',
  ];
  for (const name of typeErrors) assert.equal(r[name]?.name, 'TypeError', name);
  for (const name of rangeErrors) assert.equal(r[name]?.name, 'RangeError', name);
  assert.deepEqual(
    Object.keys(r).sort(),
    [...Object.keys(system), ...typeErrors, ...rangeErrors].sort(),
    'every case is checked',
  );
  // Messages are short and name the call and the argument.
  assert.equal(r.linkSetMtuTooSmall?.message, 'linkSetMtu: mtu must be an integer in 68..65535');
  assert.equal(
    r.addressAddThreeBytes?.message,
    'addressAdd: addr must be 4 (IPv4) or 16 (IPv6) bytes, got 3',
  );
  assert.equal(r.openTunNotString?.message, 'openTun: name must be a string');
});
