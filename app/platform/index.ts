/**
 * Selects the system-configuration implementation for the running OS. Other
 * platforms get an implementation whose every call fails with a clear
 * message, so the rest of the app can be written against one interface now.
 */
import { linuxPlatform } from './linux/index.js';
import { windowsPlatform } from './windows/index.js';
import type { Platform } from './types.js';

export type * from './types.js';

function unsupported(name: string): Platform {
  const fail = (): never => {
    throw new Error(`system configuration is not supported on ${name} yet`);
  };
  return {
    configureTunnel: async () => fail(),
    recoverStale: async () => fail(),
    killSwitchActive: async () => false,
  };
}

/** The implementation for `os` (default: this process's platform). */
export function platform(os: NodeJS.Platform = process.platform): Platform {
  if (os === 'linux') return linuxPlatform;
  if (os === 'win32') return windowsPlatform;
  return unsupported(os);
}
