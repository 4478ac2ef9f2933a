// A full tunnel's endpoint host routes on Windows follow a moved default route
// (app/platform/windows/endpoint-routes.ts), against the recording fake of the native
// boundary: make before break, journaled in its place, the tunnel told, teardown exact.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { test } from 'node:test';
import type { WinJournalEntry } from '../../../app/platform/windows/apply.js';
import { followEndpointRoutes } from '../../../app/platform/windows/endpoint-routes.js';
import type { WinRoute } from '../../../app/platform/windows/native.js';
import { parseWinState, winStateFile } from '../../../app/platform/windows/state.js';
import { configureFull, endpointRoute, tun, withDir } from './windows-fixtures.js';
import { RecordingWinNet } from './windows-recording-net.js';

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('the default route moves: the endpoint route follows (new one first), journaled in place, the tunnel is told', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    const changes: string[] = [];
    const logged: string[] = [];
    const t = await configureFull(dir, api, {
      routeCheckMs: 10,
      onPathChange: (reason) => changes.push(reason),
      log: {
        info: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`),
        warn: (m) => logged.push(m),
        debug: () => {},
      },
    });
    // Unchanged table: checks read it and change nothing.
    api.calls = [];
    await until(() => api.calls.length >= 2, 'two checks');
    assert.ok(
      api.calls.every((c) => c === 'bestRoute v4 203.0.113.5 not-if42 past-if7-via-192.168.1.1'),
      'asks past its own route',
    );
    assert.deepEqual(changes, []);

    // Wi-Fi to Ethernet: the table now says interface 9 via 10.1.1.1.
    api.best = { ifindex: 9, nextHop: '10.1.1.1' };
    await until(() => changes.length === 1, 'the move');
    const moved = api.calls.filter((c) => !c.startsWith('bestRoute'));
    assert.deepEqual(moved, [
      'addRoute 203.0.113.5/32 if9 via 10.1.1.1 m0',
      'deleteRoute 203.0.113.5/32 if7 via 192.168.1.1 m0',
    ]);
    assert.deepEqual(changes, ['the default route moved']);
    assert.ok(logged.some((l) => l.startsWith('endpoint route moved with the default route')));
    const state = parseWinState(await fs.readFile(winStateFile(dir, tun.name), 'utf8'));
    const routes = state.journal.flatMap((e) => (e.kind === 'route' ? [e.route] : []));
    assert.deepEqual(
      routes.map((r) => `${r.dst}/${r.prefixLength} if${r.ifindex}`),
      ['203.0.113.5/32 if9', '0.0.0.0/1 if42', '128.0.0.0/1 if42'],
      'the new route in the old one’s place, before the /1 routes',
    );

    // Teardown stops the checks and removes the /1 routes before the endpoint route.
    api.calls = [];
    const summary = await t.teardown();
    assert.deepEqual(summary.errors, []);
    assert.deepEqual(
      api.calls.filter((c) => c.startsWith('deleteRoute')),
      [
        'deleteRoute 128.0.0.0/1 if42 m0',
        'deleteRoute 0.0.0.0/1 if42 m0',
        'deleteRoute 203.0.113.5/32 if9 via 10.1.1.1 m0',
      ],
    );
    assert.ok(api.clean());
    const after = api.calls.length;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(api.calls.length, after, 'no check after teardown');
  });
});

test('no route outside the tunnel, or a route that cannot be added: the old one stays', async () => {
  const api = new RecordingWinNet();
  const old = endpointRoute;
  api.addRoute(old);
  const journal: WinJournalEntry[] = [{ kind: 'route', route: old }];
  const saves: number[] = [];
  const save = async (j: readonly WinJournalEntry[]) => {
    saves.push(j.length);
  };
  const set = new Set(['203.0.113.5']);
  api.best = null;
  assert.deepEqual(await followEndpointRoutes(api, journal, set, 42, save), {
    moves: [],
    errors: [],
  });
  api.best = { ifindex: 9, nextHop: '10.1.1.1' };
  api.failures = ['addRoute'];
  const r = await followEndpointRoutes(api, journal, set, 42, save);
  assert.deepEqual(r.moves, []);
  assert.match(r.errors[0] ?? '', /203\.0\.113\.5: addRoute: ERROR_ACCESS_DENIED/);
  assert.deepEqual(journal, [{ kind: 'route', route: old }]);
  assert.deepEqual(saves, []);
  // A tunnel route or another host route is never taken for an endpoint route.
  const other: WinJournalEntry[] = [
    { kind: 'route', route: { ...old, dst: '198.51.100.1' } },
    { kind: 'route', route: { ...old, ifindex: 42 } },
  ];
  assert.deepEqual((await followEndpointRoutes(api, other, set, 42, save)).moves, []);
});

test('the old route already gone (ERROR_NOT_FOUND) is dropped; any other failure keeps it journaled', async () => {
  class Refusing extends RecordingWinNet {
    errno = 1168;
    override deleteRoute(route: WinRoute): void {
      this.calls.push(`deleteRoute ${route.dst} if${route.ifindex}`);
      throw Object.assign(new Error('DeleteIpForwardEntry2: failed'), { errno: this.errno });
    }
  }
  const old = endpointRoute;
  const set = new Set(['203.0.113.5']);
  const save = async () => {};
  for (const [errno, kept] of [
    [1168, false],
    [5, true],
  ] as const) {
    const api = new Refusing();
    api.errno = errno;
    api.best = { ifindex: 9, nextHop: '10.1.1.1' };
    const journal: WinJournalEntry[] = [{ kind: 'route', route: old }];
    const r = await followEndpointRoutes(api, journal, set, 42, save);
    assert.equal(r.moves.length, 1);
    assert.deepEqual(
      journal.map((e) => (e.kind === 'route' ? e.route.ifindex : 0)),
      kept ? [7, 9] : [9],
      `errno ${errno}`,
    );
    assert.equal(r.errors.length, kept ? 1 : 0);
  }
});

test('somebody else’s host route already goes the new way: ours is removed, theirs is not journaled', async () => {
  class Exists extends RecordingWinNet {
    override addRoute(route: WinRoute): void {
      this.calls.push(`addRoute ${route.dst} if${route.ifindex}`);
      throw Object.assign(new Error('CreateIpForwardEntry2: exists'), { errno: 5010 });
    }
  }
  const api = new Exists();
  const old = endpointRoute;
  const tail: WinJournalEntry = {
    kind: 'route',
    route: { ifindex: 42, family: 4, dst: '0.0.0.0', prefixLength: 1, metric: 0 },
  };
  const journal: WinJournalEntry[] = [{ kind: 'route', route: old }, tail];
  api.best = { ifindex: 9, nextHop: '10.1.1.1' };
  const r = await followEndpointRoutes(api, journal, new Set(['203.0.113.5']), 42, async () => {});
  assert.deepEqual(r.errors, []);
  assert.equal(r.moves.length, 1);
  assert.deepEqual(journal, [tail]);
  assert.deepEqual(api.calls.slice(-2), [
    'addRoute 203.0.113.5 if9',
    'deleteRoute 203.0.113.5/32 if7 via 192.168.1.1 m0',
  ]);
});

test('at start-up, an existing host route to the endpoint is used as it is and not journaled', async () => {
  class Exists extends RecordingWinNet {
    override addRoute(route: WinRoute): void {
      if (route.prefixLength === 32) {
        this.calls.push(`addRoute ${route.dst} exists`);
        throw Object.assign(new Error('CreateIpForwardEntry2: exists'), { errno: 5010 });
      }
      super.addRoute(route);
    }
  }
  await withDir(async (dir) => {
    const api = new Exists();
    const t = await configureFull(dir, api);
    const state = parseWinState(await fs.readFile(winStateFile(dir, tun.name), 'utf8'));
    assert.deepEqual(
      state.journal.flatMap((e) =>
        e.kind === 'route' ? [`${e.route.dst}/${e.route.prefixLength}`] : [],
      ),
      ['0.0.0.0/1', '128.0.0.0/1'],
    );
    await t.teardown();
    assert.ok(!api.calls.some((c) => c.startsWith('deleteRoute 203.0.113.5')));
  });
});
