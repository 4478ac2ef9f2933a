/** Version, platform, log folder and shell (electron or web) of the running app. */
import type { AppInfo } from '../../../ipc/schema.js';
import { useRemote } from './useRemote.js';

export function useAppInfo(): AppInfo | null {
  return useRemote((client) => client.getAppInfo({})).data;
}
