// test-platform: linux-only: compiles the NSIS include with Debian's makensis
// installer.nsh compiles: makensis builds a small installer that !includes it and
// inserts its customInstall/customUnInstall macros as electron-builder does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
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

test('the service runs the app with --helper-service, on demand, startable by interactive users', () => {
  const text = readFileSync(include, 'utf8');
  assert.ok(
    text.includes(
      'binPath= "\\"$INSTDIR\\${APP_EXECUTABLE_FILENAME}\\" --helper-service" start= demand',
    ),
  );
  assert.match(text, /\(A;;CCLCSWRPLOCRRC;;;IU\)/);
  assert.match(text, /!macro customUnInstall\n\s+!insertmacro slipstreamRemoveService/);
});
