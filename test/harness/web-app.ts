// `npm run web` (the real main-process logic, helper and renderer) started for a test, inside
// a namespace, with its own data and log directories.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Namespace } from './netns.js';
import type { ManagedProcess } from './process.js';
import { makeTempDir, type TempDir } from './tempfiles.js';

export const WEB_MAIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'app',
  'web',
  'main.js',
);

export const HELPER_MAIN = path.resolve(path.dirname(WEB_MAIN), '..', 'helper', 'main.js');

export interface WebApp {
  url: string;
  proc: ManagedProcess;
  dataDir: string;
  logDir: string;
  /** SIGTERM, then waits; the helper takes its tunnel down on the way out. */
  stop(): Promise<void>;
}

export async function startWebApp(
  ns: Namespace,
  opts: {
    dir?: TempDir;
    ifname?: string;
    helperSocket?: string;
    env?: Record<string, string>;
  } = {},
): Promise<WebApp> {
  const dir = opts.dir ?? makeTempDir('ss-webapp-');
  const dataDir = path.join(dir.path, 'data');
  const logDir = path.join(dir.path, 'logs');
  const proc = ns.spawn(process.execPath, [WEB_MAIN], {
    label: `web harness in ${ns.name}`,
    env: {
      PORT: '0',
      SLIPSTREAM_DATA_DIR: dataDir,
      SLIPSTREAM_LOG_DIR: logDir,
      ...(opts.ifname ? { SLIPSTREAM_IFNAME: opts.ifname } : {}),
      ...(opts.helperSocket ? { SLIPSTREAM_HELPER_SOCKET: opts.helperSocket } : {}),
      ...opts.env,
    },
  });
  const m = await proc.waitForOutput(/^\{"message":"web harness ready".*$/m, {
    timeoutMs: 20_000,
    stream: 'stdout',
  });
  const { url } = JSON.parse(m[0]) as { url: string };
  return {
    url,
    proc,
    dataDir,
    logDir,
    stop: async () => {
      await proc.stop({ graceMs: 10_000 });
    },
  };
}
