/**
 * Loads, removes and looks for the kill switch's nftables table with the
 * `nft` tool. Loading goes through `nft -f -` (one atomic transaction: the
 * old table, if any, is replaced with no gap); the ruleset is checked with
 * `nft --check` first so a rejected script never reaches the kernel.
 */
import { findExecutable, runCommand } from './exec.js';
import {
  KILL_SWITCH_FAMILY,
  KILL_SWITCH_TABLE,
  killSwitchRuleset,
  type KillSwitchRules,
} from './kill-switch-rules.js';

const TABLE = [KILL_SWITCH_FAMILY, KILL_SWITCH_TABLE];

async function nft(): Promise<string> {
  const path = await findExecutable('nft');
  if (!path) {
    throw new Error('the kill switch needs nftables: "nft" was not found (install nftables)');
  }
  return path;
}

export async function applyKillSwitch(rules: KillSwitchRules): Promise<void> {
  const script = killSwitchRuleset(rules);
  const tool = await nft();
  await runCommand(tool, ['--check', '-f', '-'], { input: script });
  await runCommand(tool, ['-f', '-'], { input: script });
}

/** Deletes the table; one that is already gone counts as removed (code ENOENT). */
export async function removeKillSwitch(): Promise<void> {
  const tool = await nft();
  try {
    await runCommand(tool, ['delete', 'table', ...TABLE]);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/No such file or directory/.test(message)) {
      throw Object.assign(new Error('the kill switch is already gone'), { code: 'ENOENT' });
    }
    throw err;
  }
}

/** Whether this network namespace has the kill switch's table (false without nft). */
export async function killSwitchActive(): Promise<boolean> {
  const tool = await findExecutable('nft');
  if (!tool) return false;
  try {
    await runCommand(tool, ['list', 'table', ...TABLE]);
    return true;
  } catch {
    return false;
  }
}
