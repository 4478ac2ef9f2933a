/**
 * The settings the Slipstream service keeps for itself ("Connect at startup"),
 * read from and saved to the helper through the same IPC schema; like
 * useSettings, the form adopts what the helper answers.
 */
import { useCallback, useState } from 'react';
import type { HelperSettings } from '../../../ipc/schema.js';
import { useClient } from '../ipc/context.js';
import { userMessage } from '../ipc/errors.js';
import { useRemote } from './useRemote.js';

export function useHelperSettings() {
  const client = useClient();
  const remote = useRemote((c) => c.getHelperSettings({}));
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const { set } = remote;

  const update = useCallback(
    async (change: Partial<HelperSettings>) => {
      setSaving(true);
      try {
        set(await client.setHelperSettings(change));
        setSaveError(null);
      } catch (error) {
        setSaveError(userMessage(error));
      } finally {
        setSaving(false);
      }
    },
    [client, set],
  );
  return { helperSettings: remote.data, error: saveError ?? remote.error, saving, update };
}
