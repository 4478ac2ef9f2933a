/**
 * The user's settings. `update` sends only the changed fields and adopts what
 * the app answers (the whole stored object), so the form never shows a value
 * the app did not keep.
 */
import { useCallback, useState } from 'react';
import type { Settings } from '../../../ipc/schema.js';
import { useClient } from '../ipc/context.js';
import { userMessage } from '../ipc/errors.js';
import { useRemote } from './useRemote.js';

export function useSettings() {
  const client = useClient();
  const remote = useRemote((c) => c.getSettings({}));
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const { set } = remote;

  const update = useCallback(
    async (change: Partial<Settings>) => {
      setSaving(true);
      try {
        set(await client.setSettings(change));
        setSaveError(null);
      } catch (error) {
        setSaveError(userMessage(error));
      } finally {
        setSaving(false);
      }
    },
    [client, set],
  );
  return {
    settings: remote.data,
    error: saveError ?? remote.error,
    saving,
    update,
  };
}
