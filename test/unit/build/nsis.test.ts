// test-platform: linux-only: compiles the NSIS include with Debian's makensis
// installer.nsh compiles: makensis builds a small installer that !includes it and
// inserts its customInstall/customUnInstall macros as electron-builder does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TUNNEL_RUNTIME_FLAGS } from '../../../app/util/runtime-flags.js';
import { requireTool, root } from './tools.js';

const include = path.join(root, 'app', 'packaging', 'windows', 'installer.nsh');

test('makensis compiles an installer using installer.nsh’s macros (warnings are errors)', () => {
  requireTool('makensis');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipstream-nsis-'));
  try {
    // makensis warns about "setup.exe" (Windows applies compatibility shims to it).
    const out = path.join(dir, 'slipstream-installer.exe');
    const script = path.join(dir, 'wrapper.nsi');
    writeFileSync(
      script,
      [
        'Unicode true',
        '!define APP_EXECUTABLE_FILENAME "Slipstream.exe"',
        `!include "${include}"`,
        'Name "Slipstream"',
        `OutFile "${out}"`,
        'RequestExecutionLevel admin',
        'InstallDir "$PROGRAMFILES64\\Slipstream"',
        'Section "main"',
        '  !insertmacro customInstall',
        '  WriteUninstaller "$INSTDIR\\uninstall.exe"',
        'SectionEnd',
        'Section "Uninstall"',
        '  !insertmacro customUnInstall',
        'SectionEnd',
        '',
      ].join('\n'),
    );
    const r = spawnSync('makensis', ['-V2', '-WX', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(existsSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the service runs the helper script with Electron’s Node, on demand, startable by interactive users', () => {
  const text = readFileSync(include, 'utf8');
  const helperDir = '$INSTDIR\\resources\\app.asar.unpacked\\dist\\app\\helper';
  assert.ok(text.includes(`!define SLIPSTREAM_HELPER_DIR "${helperDir}"`));
  assert.ok(
    text.includes(
      `binPath= "\\"$INSTDIR\\\${APP_EXECUTABLE_FILENAME}\\" ${TUNNEL_RUNTIME_FLAGS.join(' ')} \\"\${SLIPSTREAM_HELPER_DIR}\\service-main.js\\"" start= demand`,
    ),
  );
  assert.ok(!text.includes('--helper-service'), 'the full Electron app is never the service');
  // ELECTRON_RUN_AS_NODE=1 in the service's own environment; a failed write removes it.
  assert.match(
    text,
    /reg\.exe" add "HKLM\\\$\{SLIPSTREAM_SERVICE_KEY\}" \/v Environment \/t REG_MULTI_SZ \/d ELECTRON_RUN_AS_NODE=1 \/f'\n\s+Pop \$0\n\s+\$\{If\} \$0 != 0\n[^\n]*\n\s+!insertmacro slipstreamRemoveService\n\s+Abort/,
  );
  assert.ok(
    text.includes(
      '!define SLIPSTREAM_SERVICE_KEY "SYSTEM\\CurrentControlSet\\Services\\${SLIPSTREAM_SERVICE}"',
    ),
  );
  assert.match(text, /\(A;;CCLCSWRPLOCRRC;;;IU\)/);
  assert.match(text, /!macro customUnInstall\n\s+!insertmacro slipstreamRemoveService/);
});

test('the installer creates %ProgramData%\\Slipstream with its ACL before the service exists, or stops', () => {
  const text = readFileSync(include, 'utf8');
  const install = text.slice(text.indexOf('!macro customInstall'));
  const prepare = install.indexOf('!insertmacro slipstreamRunAsNode "install-data-root.js"');
  const create = install.indexOf('sc.exe" create');
  assert.ok(prepare > 0 && create > prepare, 'the directory first, then the service');
  assert.match(
    install.slice(prepare),
    /^[^\n]*\n\s+\$\{If\} \$0 != 0\n\s+Abort "Slipstream could not create its data directory safely/,
  );
  // The script runs as Node, and the variable does not stay in the installer's environment.
  assert.match(text, /SetEnvironmentVariableW\(w "ELECTRON_RUN_AS_NODE", w "1"\)/);
  assert.match(text, /SetEnvironmentVariableW\(w "ELECTRON_RUN_AS_NODE", p 0\)/);
  // The scripts the installer names are built where it looks for them.
  for (const script of ['service-main.js', 'install-data-root.js']) {
    assert.ok(existsSync(path.join(root, 'dist', 'app', 'helper', script)), script);
  }
  assert.match(
    readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'),
    /asarUnpack:[^]*- dist\/app\/\*\*/,
  );
});
