// test-platform: linux-only: the deb, systemd and polkit files, checked with shellcheck and systemd-analyze
// The Linux packaging pieces: deb scripts (as electron-builder renders them),
// the helper launcher, the systemd template unit and the polkit action.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { appPaths } from '../../../app/main/electron/app-paths.js';
import { TUNNEL_RUNTIME_FLAGS } from '../../../app/util/runtime-flags.js';
import { requireTool, root } from './tools.js';

const linux = path.join(root, 'app', 'packaging', 'linux');
const read = (file: string) => readFileSync(path.join(linux, file), 'utf8');
const INSTALLED_LAUNCHER = '/opt/Slipstream/resources/linux/slipstream-helper';

/** electron-builder's FpmTarget substitution: ${name} from its options, unknown names fail. */
function renderDebScript(text: string): string {
  const options: Record<string, string> = {
    executable: 'slipstream',
    sanitizedProductName: 'Slipstream',
    productFilename: 'Slipstream',
  };
  return text.replace(/\${([a-zA-Z]+)}/g, (_m, name: string) => {
    if (!(name in options)) throw new Error(`Macro ${name} is not defined`);
    return options[name]!;
  });
}

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipstream-pkg-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkShell(file: string, text: string): void {
  withTemp((dir) => {
    const script = path.join(dir, path.basename(file));
    writeFileSync(script, text);
    const syntax = spawnSync('sh', ['-n', script], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, `${file}: sh -n: ${syntax.stderr}`);
    const lint = spawnSync('shellcheck', ['-s', 'sh', '-S', 'info', script], { encoding: 'utf8' });
    assert.equal(lint.status, 0, `${file}: shellcheck:\n${lint.stdout}`);
  });
}

test('deb scripts render with electron-builder’s macros and pass sh -n and shellcheck', () => {
  requireTool('shellcheck');
  for (const file of ['after-install.sh', 'after-remove.sh']) {
    const text = renderDebScript(read(file));
    assert.ok(text.startsWith('#!/bin/sh\n'), `${file}: POSIX sh`);
    assert.ok(text.includes("app='/opt/Slipstream'"), `${file}: install path rendered`);
    checkShell(file, text);
  }
  checkShell('slipstream-helper', read('slipstream-helper'));
});

test('deb scripts install and remove the unit and policy; purge forgets the profiles', () => {
  const install = read('after-install.sh');
  assert.match(
    install,
    /install -D -m 0644 .*slipstream-helper@\.service.*\n.*\/lib\/systemd\/system\//,
  );
  assert.match(install, /\/usr\/share\/polkit-1\/actions\/com\.slipstream\.helper\.policy/);
  assert.match(install, /systemctl daemon-reload/);
  assert.match(install, /chrome-sandbox/, 'keeps electron-builder’s default work');
  const remove = read('after-remove.sh');
  assert.match(remove, /remove \| purge\)/);
  assert.match(remove, /systemctl stop 'slipstream-helper@\*\.service'/);
  // After the stop (which keeps a wanted tunnel's block), removal lifts the kill switch.
  assert.match(remove, /systemctl stop[^]*nft delete table inet slipstream/);
  assert.match(remove, /if \[ "\$1" = purge \]; then\n\s+rm -rf \/var\/lib\/slipstream/);
});

test('the unit, the polkit action and the launcher agree on paths', () => {
  const unit = read('slipstream-helper@.service');
  assert.match(unit, new RegExp(`^ExecStart=${INSTALLED_LAUNCHER} --system-instance %i$`, 'm'));
  assert.match(unit, /^RuntimeDirectory=slipstream slipstream\/%i$/m);
  assert.match(unit, /^RuntimeDirectoryMode=0755$/m);
  assert.match(unit, /^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW/m);
  assert.match(unit, /^DeviceAllow=\/dev\/net\/tun rw$/m);
  assert.match(unit, /^RestrictAddressFamilies=.*AF_NETLINK/m);
  // What the served user can make the helper hold has a ceiling the kernel enforces.
  assert.match(unit, /^MemoryMax=\d+M$/m);
  // Threads count as tasks: one crypto worker per core on a 64-core machine plus Node's
  // own threads must fit under the ceiling, or the helper fails to start there.
  const tasks = Number(/^TasksMax=(\d+)$/m.exec(unit)?.[1]);
  assert.ok(tasks >= 64 + 32, `TasksMax=${tasks}`);
  // pkexec runs exactly the file the polkit action names (not /usr/bin/env, which would
  // fall back to the generic "run a program as root" prompt).
  const deb = appPaths({
    appPath: '/opt/Slipstream/resources/app.asar',
    packaged: true,
    resourcesPath: '/opt/Slipstream/resources',
    platform: 'linux',
  });
  assert.equal(deb.helperLauncher, INSTALLED_LAUNCHER);
  const policy = read('com.slipstream.helper.policy');
  assert.match(policy, /<action id="com\.slipstream\.helper">/);
  assert.ok(
    policy.includes(
      `<annotate key="org.freedesktop.policykit.exec.path">${INSTALLED_LAUNCHER}</annotate>`,
    ),
  );
  const launcher = read('slipstream-helper');
  for (const p of [
    '/run/slipstream/$uid/helper.sock',
    '/var/lib/slipstream/$uid',
    '/var/log/slipstream/$uid',
  ]) {
    assert.ok(launcher.includes(p), p);
  }
});

test('systemd-analyze verify accepts the unit without a warning', () => {
  requireTool('systemd-analyze');
  withTemp((dir) => {
    // verify checks that ExecStart exists: point it at a copy of the launcher.
    const launcher = path.join(dir, 'slipstream-helper');
    copyFileSync(path.join(linux, 'slipstream-helper'), launcher);
    chmodSync(launcher, 0o755);
    const unit = path.join(dir, 'slipstream-helper@.service');
    const text = read('slipstream-helper@.service').replaceAll(INSTALLED_LAUNCHER, launcher);
    const check = (file: string) =>
      spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
    writeFileSync(unit, text);
    const ok = check(unit);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stderr.trim(), '', 'no warnings');
    // And the check notices a broken directive.
    const bad = path.join(dir, 'bad@.service');
    writeFileSync(bad, text.replace('ProtectClock=yes', 'ProtectClok=yes'));
    assert.match(check(bad).stderr, /Unknown key/);
  });
});

/**
 * The launcher against a fake install tree (/opt/Slipstream layout in a temp
 * dir, the Electron binary replaced by a script printing what it got).
 */
function runLauncher(args: string[], env: Record<string, string>) {
  return withTemp((dir) => {
    const resources = path.join(dir, 'resources');
    mkdirSync(path.join(resources, 'linux'), { recursive: true });
    mkdirSync(path.join(resources, 'app.asar.unpacked', 'dist', 'app', 'helper'), {
      recursive: true,
    });
    const entry = path.join(resources, 'app.asar.unpacked', 'dist', 'app', 'helper', 'main.js');
    writeFileSync(entry, '');
    const launcher = path.join(resources, 'linux', 'slipstream-helper');
    copyFileSync(path.join(linux, 'slipstream-helper'), launcher);
    chmodSync(launcher, 0o755);
    writeFileSync(
      path.join(dir, 'slipstream'),
      '#!/bin/sh\necho "RUN_AS_NODE=$ELECTRON_RUN_AS_NODE"\nfor a in "$@"; do echo "$a"; done\n',
    );
    chmodSync(path.join(dir, 'slipstream'), 0o755);
    const r = spawnSync(
      launcher,
      args.map((a) => a.replace('ENTRY', entry)),
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      },
    );
    return { ...r, stdout: r.stdout.replaceAll(entry, 'ENTRY') };
  });
}

test('the launcher runs the helper only with the paths of the user pkexec authenticated', () => {
  const gui = (uid: string, overrides: Record<string, string> = {}) => {
    const opts: Record<string, string> = {
      '--socket': `/run/slipstream/${uid}/helper.sock`,
      '--uid': uid,
      '--gid': '0',
      '--state-dir': `/var/lib/slipstream/${uid}`,
      '--log-dir': `/var/log/slipstream/${uid}`,
      '--log-level': 'debug',
      ...overrides,
    };
    return ['ENTRY', ...Object.entries(opts).flat()];
  };
  if (process.getuid?.() !== 0) {
    // Not root: it refuses before doing anything.
    const r = runLauncher(gui('0'), { PKEXEC_UID: '0' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /must run as root/);
    return;
  }
  const ok = runLauncher(gui('0'), { PKEXEC_UID: '0' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(ok.stdout.trim().split('\n'), [
    'RUN_AS_NODE=1',
    ...TUNNEL_RUNTIME_FLAGS,
    'ENTRY',
    '--socket',
    '/run/slipstream/0/helper.sock',
    '--uid',
    '0',
    '--gid',
    '0',
    '--state-dir',
    '/var/lib/slipstream/0',
    '--log-dir',
    '/var/log/slipstream/0',
    '--log-level',
    'debug',
  ]);
  const refused: [string[], Record<string, string>, RegExp][] = [
    [gui('0'), {}, /through pkexec/],
    [gui('0', { '--uid': '1000' }), { PKEXEC_UID: '0' }, /not the calling user/],
    [gui('0', { '--state-dir': '/etc' }), { PKEXEC_UID: '0' }, /unexpected --state-dir/],
    [gui('0', { '--log-level': 'x; rm -rf /' }), { PKEXEC_UID: '0' }, /bad --log-level/],
    [['/tmp/evil.js', '--uid', '0'], { PKEXEC_UID: '0' }, /unexpected helper entry/],
    [['--system-instance', 'root'], {}, /usage/],
  ];
  for (const [args, env, why] of refused) {
    const r = runLauncher(args, env);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, why);
    assert.equal(r.stdout, '', 'nothing was started');
  }
  const unit = runLauncher(['--system-instance', '0'], {});
  assert.equal(unit.status, 0, unit.stderr);
  assert.ok(
    unit.stdout.startsWith(
      [
        'RUN_AS_NODE=1',
        ...TUNNEL_RUNTIME_FLAGS,
        'ENTRY',
        '--socket',
        '/run/slipstream/0/helper.sock',
      ]
        .concat(['--uid', '0', '--gid', '0', ''])
        .join('\n'),
    ),
    unit.stdout,
  );
});
