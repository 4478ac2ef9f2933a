/** The company-account sign-in state: read once, then followed with `account` events. */
import { useEffect } from 'react';
import type { AccountState } from '../../../ipc/schema.js';
import { useClient } from '../ipc/context.js';
import { useRemote, type Remote } from './useRemote.js';

export function useAccount(): Remote<AccountState> {
  const client = useClient();
  const remote = useRemote((c) => c.getAccount({}));
  const { set } = remote;
  useEffect(() => client.on('account', set), [client, set]);
  return remote;
}
