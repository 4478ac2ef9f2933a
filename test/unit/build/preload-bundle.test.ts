// test-platform: linux-only: runs vite, whose bundler binaries in node_modules are the Linux ones
// The preload as Electron loads it: vite builds the one CommonJS file
// (preload.vite.config.ts), which is then run in a fresh context whose only
// module is a fake `electron`, as a sandboxed preload's require allows.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';
import { build } from 'vite';
import { root } from './tools.js';

test('the bundled preload requires only electron and exposes exactly the Transport', async () => {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'slipstream-preload-'));
  try {
    await build({
      configFile: path.join(root, 'app', 'main', 'electron', 'preload.vite.config.ts'),
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true },
    });
    const code = await readFile(path.join(outDir, 'preload.cjs'), 'utf8');
    const required: string[] = [];
    const exposed = new Map<string, unknown>();
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer: {
        invoke: (...args: unknown[]) => (
          invoked.push(args),
          Promise.resolve({ ok: true, value: 1 })
        ),
        on: () => {},
        removeListener: () => {},
      },
    };
    const module = { exports: {} };
    const context = vm.createContext({
      module,
      exports: module.exports,
      require: (name: string) => {
        required.push(name);
        if (name === 'electron') return electron;
        throw new Error(`a sandboxed preload cannot require ${name}`);
      },
    });
    vm.runInContext(code, context, { filename: 'preload.cjs' });
    assert.deepEqual([...new Set(required)], ['electron']);
    assert.deepEqual([...exposed.keys()], ['slipstream']);
    const api = exposed.get('slipstream') as Record<string, (...a: unknown[]) => unknown>;
    assert.deepEqual(Object.keys(api).sort(), ['invoke', 'subscribe']);
    assert.deepEqual(await api.invoke!('getState', {}), { ok: true, value: 1 });
    assert.deepEqual(invoked, [['slipstream:command:getState', {}]]);
    const refused = (await api.invoke!('bogus', {})) as { ok: boolean };
    assert.equal(refused.ok, false);
    assert.equal(invoked.length, 1);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
