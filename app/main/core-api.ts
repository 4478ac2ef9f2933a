/**
 * What the main process's shell-independent logic offers to a shell: the
 * Electron main process (electron/main.ts) and the web harness (app/web/)
 * both host one MainCore and only move messages and draw windows.
 *
 * `dispatch` answers every command of the IPC schema (validated); `client` is
 * the same thing as a typed in-process client, for the tray and menus;
 * `onEvent` delivers every event the renderer should see.
 */
import type { Client } from '../../ipc/client.js';
import type { EventName, EventOf, ProfileSummary, TunnelState } from '../../ipc/schema.js';
import type { Envelope } from '../../ipc/schema.js';
import type { SecretStore } from '../signin/secret-store.js';

export type EventListener = <E extends EventName>(event: E, payload: EventOf<E>) => void;

export interface MainCore {
  dispatch(command: unknown, payload: unknown): Promise<Envelope>;
  readonly client: Client;
  onEvent(listener: EventListener): () => void;
  /** The latest tunnel state and profile list, for the tray (kept current from events). */
  readonly state: TunnelState;
  readonly profiles: readonly ProfileSummary[];
  /** Called whenever `state` or `profiles` change. */
  onChange(listener: () => void): () => void;
  /**
   * A `slipstream://` link the OS handed to the app; true if a sign-in was
   * waiting for it (the app-scheme redirect), false if it was not expected.
   */
  handleDeepLink(url: string): boolean;
  /** Where main's and the helper's logs are. */
  readonly logDirectory: string;
  /** Disconnects from the helper (and stops a child helper); leaves a system helper running. */
  close(): Promise<void>;
}

/** What only the shell can do; the web harness passes what it can. */
export interface ShellServices {
  shell: 'electron' | 'web';
  version: string;
  /** Opens a folder in the file manager (Electron `shell.openPath`); absent in the web harness. */
  openPath?: (path: string) => Promise<void>;
  /** Registers or removes start at login (Electron `app.setLoginItemSettings`). */
  setStartAtLogin?: (enabled: boolean) => Promise<void> | void;
  /** Opens a web page in the system browser (Electron `shell.openExternal`); the sign-in page. */
  openExternal?: (url: string) => Promise<void>;
  /**
   * Where the company sign-in is kept (Electron: safeStorage). Default: an
   * encrypted file in the app's data directory (as the CLI does).
   */
  secretStore?: SecretStore;
  /** True where the OS delivers slipstream:// links to the app (Electron registers the scheme). */
  receivesDeepLinks?: boolean;
  /** Why sign-ins will not survive a restart (no keyring), shown next to the account. */
  secretStoreNotice?: string | null;
}
