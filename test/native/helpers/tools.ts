/**
 * Commands some native tests drive besides `ip` (ethtool to change device
 * offloads, python3 as a GSO sender independent of the addon), installed by
 * test/setup/install.mjs like every other test tool.
 */
import { requireCommands } from '../../harness/system-packages.js';

/** Throws naming the missing command and its Debian package. */
export async function ensureNativeTestTools(): Promise<void> {
  requireCommands('ethtool', 'python3');
}
