// %ProgramData%\Slipstream as the installer prepares it (app/helper/data-root.ts), with a
// recording ensureSecureDirectory: created with the service's DACL; what the service
// would refuse is renamed aside and a fresh one made; other failures stop the install.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareDataRoot } from '../../../app/helper/data-root.js';
import { SERVICE_DIRECTORY_SDDL } from '../../../app/helper/service-start.js';

const ROOT = 'C:\\ProgramData\\Slipstream';
const NOW = new Date('2026-12-06T02:30:00.123Z');

function recorder(failures: Error[]) {
  const calls: string[] = [];
  const renames: [string, string][] = [];
  return {
    calls,
    renames,
    ensure: (dir: string, sddl: string) => {
      assert.equal(sddl, SERVICE_DIRECTORY_SDDL);
      calls.push(dir);
      const next = failures.shift();
      if (next) throw next;
    },
    rename: (from: string, to: string) => void renames.push([from, to]),
  };
}

test('the DACL: SYSTEM and Administrators, protected, inherited by what it holds', () => {
  assert.equal(SERVICE_DIRECTORY_SDDL, 'D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)');
});

test('a new or system-owned directory is made or re-secured in place', () => {
  const r = recorder([]);
  assert.deepEqual(prepareDataRoot(r.ensure, ROOT, NOW, r.rename), {
    root: ROOT,
    movedAside: null,
  });
  assert.deepEqual(r.calls, [ROOT]);
  assert.deepEqual(r.renames, []);
});

test('one a user made first (or a junction, or a file) is renamed aside and replaced', () => {
  for (const refusal of [
    `ensureSecureDirectory: ${ROOT} belongs to S-1-5-21-1-2-3-1001, not to the system; an administrator must remove it`,
    `ensureSecureDirectory: ${ROOT} is not a plain directory (a file, junction or link); an administrator must remove it`,
  ]) {
    const r = recorder([new Error(refusal)]);
    const aside = `${ROOT}.untrusted-2026-12-06T02-30-00-123Z`;
    assert.deepEqual(prepareDataRoot(r.ensure, ROOT, NOW, r.rename), {
      root: ROOT,
      movedAside: aside,
    });
    assert.deepEqual(r.renames, [[ROOT, aside]]);
    assert.deepEqual(r.calls, [ROOT, ROOT]);
  }
});

test('anything else stops the install: nothing renamed, nothing half done', () => {
  const denied = Object.assign(
    new Error('ensureSecureDirectory: CreateDirectoryW: Access is denied'),
    {
      code: 'ERROR_ACCESS_DENIED',
    },
  );
  const r = recorder([denied]);
  assert.throws(() => prepareDataRoot(r.ensure, ROOT, NOW, r.rename), /Access is denied/);
  assert.deepEqual(r.renames, []);
  // The replacement itself failing is reported too.
  const twice = recorder([
    new Error(`${ROOT} belongs to S-1-5-21-1-2-3-4, not to the system`),
    denied,
  ]);
  assert.throws(() => prepareDataRoot(twice.ensure, ROOT, NOW, twice.rename), /Access is denied/);
  assert.equal(twice.renames.length, 1);
});
