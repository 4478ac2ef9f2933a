// test-platform: linux-only: reads /proc, as the bench does on Linux
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  parseProcStat,
  parseVmHwmMb,
  processTree,
  treeCpuSeconds,
  treeOf,
} from '../../bench/proc-usage.js';

test('a stat line whose command name has spaces and parentheses', () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
  const line = '4242 (we (ird) name) S 17 4242 4242 0 -1 4194560 10 0 0 0 250 50 7 3 20 0 9 0';
  assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 17, cpuSeconds: 3.1 });
  assert.throws(() => parseProcStat('garbage'), /malformed/);
});

test('a tree is the root and all its descendants, nothing else', () => {
  const procs = [
    { pid: 1, ppid: 0 },
    { pid: 10, ppid: 1 },
    { pid: 11, ppid: 10 },
    { pid: 12, ppid: 11 },
    { pid: 20, ppid: 1 },
    { pid: 13, ppid: 10 },
  ];
  assert.deepEqual(
    treeOf(10, procs).sort((a, b) => a - b),
    [10, 11, 12, 13],
  );
  assert.deepEqual(treeOf(20, procs), [20]);
});

test('VmHWM parsed in MB; this process reads as a tree of itself', () => {
  assert.equal(parseVmHwmMb('Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t1 kB\n'), 2);
  assert.throws(() => parseVmHwmMb('Name: x\n'), /VmHWM/);
  assert.ok(processTree(process.pid).includes(process.pid));
  const own = parseProcStat(readFileSync('/proc/self/stat', 'utf8')).cpuSeconds;
  assert.ok(treeCpuSeconds(process.pid) >= own - 0.05);
});
