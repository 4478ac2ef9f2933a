/** The imported profiles (summaries only: keys never reach the renderer). */
import type { ProfileSummary } from '../../../ipc/schema.js';
import { useRemote, type Remote } from './useRemote.js';

export function useProfiles(): Remote<ProfileSummary[]> {
  return useRemote(async (client) => (await client.listProfiles({})).profiles);
}
