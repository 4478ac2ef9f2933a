// Shared by the packaging tests: the repo root and "this Debian tool must be installed".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Fails (never skips) when a tool is missing, naming the Debian package that has it. */
export function requireTool(command: string, debianPackage: string): void {
  const which = spawnSync('sh', ['-c', `command -v ${command}`]);
  assert.equal(
    which.status,
    0,
    `${command} is missing: apt-get install --no-install-recommends ${debianPackage}`,
  );
}
