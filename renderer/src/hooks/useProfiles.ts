/** The imported profiles (summaries only: keys never reach the renderer), kept current by `profiles` events. */
import { useEffect } from 'react';
import type { ProfileSummary } from '../../../ipc/schema.js';
import { useClient } from '../ipc/context.js';
import { useRemote, type Remote } from './useRemote.js';

export function useProfiles(): Remote<ProfileSummary[]> {
  const client = useClient();
  const remote = useRemote(async (c) => (await c.listProfiles({})).profiles);
  const { set } = remote;
  useEffect(() => client.on('profiles', ({ profiles }) => set(profiles)), [client, set]);
  return remote;
}
