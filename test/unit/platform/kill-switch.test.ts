// test-platform: linux-only: the nftables kill switch (Windows uses WFP: test/unit/platform/windows.test.ts)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCidr, parseIpPrefix } from '../../../app/config/ip.js';
import { decideKillSwitch } from '../../../app/platform/kill-switch.js';
import {
  applyPlan,
  teardown,
  type Firewall,
  type JournalEntry,
} from '../../../app/platform/linux/apply.js';
import {
  KILL_SWITCH_SOCKET_MARK,
  killSwitchRuleset,
  type KillSwitchRules,
} from '../../../app/platform/linux/kill-switch-rules.js';
import { describeStep, planNetwork, type PlanInput } from '../../../app/platform/linux/plan.js';
import { currentNetnsId } from '../../../app/platform/linux/proc.js';
import {
  forgetStaleKillSwitches,
  parseState,
  recoverStale,
  StateStore,
  type TunnelState,
} from '../../../app/platform/linux/state.js';
import { RecordingAddon } from './recording-addon.js';

const peers = (...lists: string[][]) => lists.map((l) => ({ allowedIps: l.map(parseCidr) }));

// ---- policy ----

test('decideKillSwitch: on by default for a full tunnel, off for a split one; a choice wins', () => {
  const full4 = peers(['0.0.0.0/0']);
  const full6 = peers(['10.0.0.0/8'], ['::/0']);
  const split = peers(['10.0.0.0/8', 'fd00::/8']);
  const d = (p: typeof split, setting: boolean | null, allowLan = false) =>
    decideKillSwitch({ peers: p, setting, allowLan });

  assert.deepEqual(d(full4, null), {
    options: { allowLan: false },
    reason: 'on by default for a full tunnel',
    blocksIpv6: true,
  });
  assert.deepEqual(d(full6, null, true).options, { allowLan: true });
  assert.equal(d(full6, null).blocksIpv6, false, 'IPv6 goes through the tunnel');
  assert.deepEqual(d(split, null), {
    options: null,
    reason: 'off by default for a split tunnel',
    blocksIpv6: false,
  });
  assert.deepEqual(d(split, true).options, { allowLan: false });
  assert.equal(d(split, true).reason, 'turned on');
  assert.deepEqual(d(full4, false), { options: null, reason: 'turned off', blocksIpv6: false });
  assert.equal(d(peers(['0.0.0.0/0', '::/0']), null).blocksIpv6, false);
});

// ---- ruleset ----

const base: KillSwitchRules = { ifname: 'tun0', socketMark: 51820, allowLan: false, dns: [] };
const lines = (rules: KillSwitchRules) =>
  killSwitchRuleset(rules)
    .split('\n')
    .map((l) => l.trim());
const chainOf = (rules: KillSwitchRules, name: string) => {
  const all = lines(rules);
  const start = all.indexOf(`chain ${name} {`);
  return all.slice(start + 1, all.indexOf('}', start));
};

test('ruleset: one table replaced in one transaction, policy drop on output and forward', () => {
  const text = killSwitchRuleset(base);
  assert.match(
    text,
    /^table inet slipstream\ndelete table inet slipstream\ntable inet slipstream \{$/m,
  );
  for (const name of ['output', 'forward']) {
    assert.equal(
      chainOf(base, name)[0],
      `type filter hook ${name} priority filter; policy drop;`,
      name,
    );
  }
});

test('ruleset: output allows loopback, the marked tunnel UDP, the tunnel, DHCP and ND, then rejects', () => {
  assert.deepEqual(chainOf(base, 'output').slice(1), [
    'oifname "lo" accept',
    'meta mark 0x0000ca6c meta l4proto udp accept',
    'meta l4proto { tcp, udp } th dport 53 oifname != "tun0" reject with icmpx type admin-prohibited',
    'oifname "tun0" accept',
    'meta nfproto ipv4 udp sport 68 udp dport 67 accept',
    'meta nfproto ipv6 udp sport 546 udp dport 547 accept',
    'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept',
    'meta l4proto { tcp, udp } reject with icmpx type admin-prohibited',
  ]);
  assert.ok(!killSwitchRuleset(base).includes('10.0.0.0/8'), 'no LAN without allowLan');
});

test('ruleset: allowLan lets private, link-local and local multicast ranges through, after DNS', () => {
  const out = chainOf({ ...base, allowLan: true }, 'output');
  const v4 = out.findIndex((l) => l.startsWith('ip daddr {'));
  const v6 = out.findIndex((l) => l.startsWith('ip6 daddr {'));
  assert.ok(v4 > 0 && v6 > 0);
  for (const range of [
    '10.0.0.0/8',
    '172.16.0.0/12',
    '192.168.0.0/16',
    '169.254.0.0/16',
    '224.0.0.0/24',
  ])
    assert.ok(out[v4]!.includes(range), range);
  for (const range of ['fe80::/10', 'fc00::/7', 'ff02::/16']) assert.ok(out[v6]!.includes(range));
  const dns = out.findIndex((l) => l.includes('th dport 53'));
  assert.ok(dns < v4, 'DNS to the LAN is refused even with the LAN allowed');
  assert.ok(
    chainOf({ ...base, allowLan: true }, 'forward').some((l) => l.startsWith('ip daddr {')),
  );
});

test('ruleset: DNS only to the tunnel servers, per family (none of a family: all of it refused)', () => {
  const out = chainOf({ ...base, dns: ['10.64.0.1', '10.64.0.1', 'FD00::0001'] }, 'output');
  assert.ok(
    out.includes(
      'meta l4proto { tcp, udp } th dport 53 ip daddr != { 10.64.0.1 } reject with icmpx type admin-prohibited',
    ),
  );
  assert.ok(
    out.includes(
      'meta l4proto { tcp, udp } th dport 53 ip6 daddr != { fd00::1 } reject with icmpx type admin-prohibited',
    ),
  );
  const v4only = chainOf({ ...base, dns: ['10.64.0.1'] }, 'output');
  assert.ok(
    v4only.includes(
      'meta nfproto ipv6 meta l4proto { tcp, udp } th dport 53 reject with icmpx type admin-prohibited',
    ),
  );
});

test('ruleset: input that could break out of the script is refused', () => {
  for (const bad of [
    { ifname: 'tun0" accept; #' },
    { ifname: '' },
    { socketMark: 0 },
    { socketMark: 2 ** 32 },
    { dns: ['10.0.0.1; flush ruleset'] },
  ]) {
    assert.throws(() => killSwitchRuleset({ ...base, ...bad }), /invalid kill switch/);
  }
});

// ---- plan ----

function planInput(overrides: Partial<PlanInput> = {}): PlanInput {
  const a = parseIpPrefix('10.0.0.2/32');
  return {
    ifname: 'wg0',
    ifindex: 7,
    mtu: 1420,
    addresses: [{ address: a.bytes, prefixLength: a.prefixLength, family: a.family }],
    peers: peers(['0.0.0.0/0']),
    dns: ['10.0.0.1'],
    dnsSearch: [],
    ...overrides,
  };
}

test('plan: the kill switch is the first step and lets the socket mark out', () => {
  const plan = planNetwork(planInput({ killSwitch: { allowLan: true } }));
  assert.deepEqual(plan.steps[0], {
    kind: 'kill-switch',
    ifname: 'wg0',
    socketMark: 51820,
    allowLan: true,
    dns: ['10.0.0.1'],
  });
  assert.equal(describeStep(plan.steps[0]!), 'turning the kill switch on (LAN allowed)');
  assert.equal(plan.socketMark, 51820);
  assert.equal(planNetwork(planInput()).steps[0]?.kind, 'mtu', 'no kill switch unless asked');

  // A split tunnel without FwMark marks its socket only for the kill switch.
  const split = { peers: peers(['10.0.0.0/24']) };
  assert.equal(planNetwork(planInput(split)).socketMark, 0);
  const marked = planNetwork(planInput({ ...split, killSwitch: { allowLan: false } }));
  assert.equal(marked.socketMark, KILL_SWITCH_SOCKET_MARK);
  assert.equal(
    marked.steps[0]?.kind === 'kill-switch' && marked.steps[0].socketMark,
    KILL_SWITCH_SOCKET_MARK,
  );
  const fwmark = planNetwork(planInput({ ...split, fwmark: 77, killSwitch: { allowLan: false } }));
  assert.equal(fwmark.socketMark, 77);
});

// ---- journal and recovery ----

class FakeFirewall implements Firewall {
  active: KillSwitchRules | null = null;
  calls: string[] = [];
  failApply = false;
  async apply(rules: KillSwitchRules): Promise<void> {
    this.calls.push(`apply ${rules.ifname}`);
    if (this.failApply) throw new Error('nft -f -: exit status 1: Error: syntax error');
    this.active = rules;
  }
  async remove(): Promise<void> {
    this.calls.push('remove');
    if (!this.active) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
    this.active = null;
  }
}

test('apply: the kill switch is journaled before it is loaded and undone last', async () => {
  const firewall = new FakeFirewall();
  const addon = new RecordingAddon();
  const plan = planNetwork(planInput({ dns: [], killSwitch: { allowLan: false } }));
  const seen: string[][] = [];
  const journal = await applyPlan(addon, plan, {
    firewall,
    sysctlRoot: '/nonexistent',
    onJournal: (e) => void seen.push(e.map((x) => x.kind)),
  }).catch((err: unknown) => err);
  // The sysctl step fails on the fake root; the rollback takes the kill switch down too.
  assert.ok(journal instanceof Error);
  assert.deepEqual(seen[0], ['kill-switch'], 'written ahead');
  assert.deepEqual(firewall.calls, ['apply wg0', 'remove']);
  assert.equal(firewall.active, null);

  const failing = new FakeFirewall();
  failing.failApply = true;
  await assert.rejects(
    applyPlan(addon, plan, { firewall: failing }),
    /turning the kill switch on: nft -f -: exit status 1/,
  );
  assert.deepEqual(failing.calls, ['apply wg0'], 'nothing to undo after a refused ruleset');
});

test('teardown keeps what `keep` says, and an explicit teardown removes the kill switch', async () => {
  const firewall = new FakeFirewall();
  firewall.active = { ...base };
  const entries: JournalEntry[] = [
    { kind: 'kill-switch', ifname: 'wg0', socketMark: 51820, allowLan: false, dns: [] },
    { kind: 'rule', family: 4, table: 254, suppressPrefixLength: 0 },
  ];
  const addon = new RecordingAddon();
  const kept = await teardown(
    addon,
    { ifname: 'wg0', ifindex: 7, entries },
    {
      firewall,
      keep: (e) => e.kind === 'kill-switch',
    },
  );
  assert.deepEqual(kept.undone, ['deleting rule table main suppress_prefixlength 0']);
  assert.deepEqual(
    kept.remaining.map((e) => e.kind),
    ['kill-switch'],
  );
  assert.ok(firewall.active);
  const all = await teardown(
    addon,
    { ifname: 'wg0', ifindex: 7, entries: kept.remaining },
    { firewall },
  );
  assert.deepEqual(all.undone, ['turning the kill switch off']);
  assert.equal(firewall.active, null);
  // Already gone counts as undone.
  const again = await teardown(
    addon,
    { ifname: 'wg0', ifindex: 7, entries: kept.remaining },
    { firewall },
  );
  assert.deepEqual([again.undone, again.errors], [['turning the kill switch off'], []]);
});

function deadPid(): number {
  return spawnSync('true').pid!;
}

async function deadRun(
  store: StateStore,
  ifname: string,
  journal: JournalEntry[],
): Promise<TunnelState> {
  const s: TunnelState = {
    version: 1,
    pid: deadPid(),
    pidStartTime: '1',
    ifname,
    ifindex: 40,
    netns: await currentNetnsId(),
    createdAt: '2026-01-01T00:00:00.000Z',
    journal,
  };
  await store.write(s);
  return s;
}

test('recovery after a crash keeps the kill switch and its record; down (keep off) removes both', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipstream-ks-'));
  try {
    const store = new StateStore(dir);
    const ks: JournalEntry = {
      kind: 'kill-switch',
      ifname: 'wg5',
      socketMark: 51820,
      allowLan: true,
      dns: ['10.0.0.1'],
    };
    const stale = await deadRun(store, 'wg5', [
      ks,
      { kind: 'rule', family: 4, table: 254, suppressPrefixLength: 0 },
    ]);
    assert.deepEqual(
      parseState(await fs.readFile(store.fileFor('wg5', stale.netns), 'utf8')).journal[0],
      ks,
    );
    const firewall = new FakeFirewall();
    firewall.active = { ...base };
    const addon = new RecordingAddon();

    const [kept] = await recoverStale(addon, undefined, {
      stateDir: dir,
      firewall,
      keepKillSwitch: true,
    });
    assert.deepEqual(kept?.kept, ['kill switch kept blocking']);
    assert.deepEqual(kept?.undone, ['deleting rule table main suppress_prefixlength 0']);
    assert.ok(firewall.active, 'still blocking');
    const left = parseState(await fs.readFile(store.fileFor('wg5', stale.netns), 'utf8'));
    assert.deepEqual(left.journal, [ks], 'only the kill switch is left on record');

    const [removed] = await recoverStale(addon, undefined, { stateDir: dir, firewall });
    assert.deepEqual([removed?.undone, removed?.kept], [['turning the kill switch off'], []]);
    assert.equal(firewall.active, null);
    assert.deepEqual(await store.list(stale.netns), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a new run that loads its own kill switch takes over the records of dead runs', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipstream-ks-'));
  try {
    const store = new StateStore(dir);
    const ks: JournalEntry = {
      kind: 'kill-switch',
      ifname: 'old0',
      socketMark: 1,
      allowLan: false,
      dns: [],
    };
    const route: JournalEntry = {
      kind: 'route',
      ifindex: 40,
      family: 4,
      dst: '10.1.0.0',
      prefixLength: 16,
    };
    const a = await deadRun(store, 'old0', [ks]);
    await deadRun(store, 'old1', [ks, route]);
    const own = await deadRun(store, 'new0', [ks]);
    await forgetStaleKillSwitches(dir, store.fileFor('new0', own.netns));
    assert.deepEqual(
      (await store.list(a.netns)).map((f) => path.basename(f)),
      [`new0.${a.netns}.json`, `old1.${a.netns}.json`],
    );
    const old1 = parseState(await fs.readFile(store.fileFor('old1', a.netns), 'utf8'));
    assert.deepEqual(old1.journal, [route]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
