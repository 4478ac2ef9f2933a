// Shared by the packaging tests: the repo root and "this Debian tool must be installed".
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireCommands } from '../../harness/system-packages.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Fails (never skips) when a tool is missing, naming the Debian package that has it. */
export function requireTool(command: string): void {
  requireCommands(command);
}
