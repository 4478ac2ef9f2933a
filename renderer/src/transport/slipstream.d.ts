/**
 * What the Electron preload script exposes with contextBridge: exactly the
 * ipc/client.ts Transport, nothing more (no ipcRenderer, no Node). Absent in a
 * plain browser, where the renderer talks to the web harness over a WebSocket.
 */
import type { Transport } from '../../../ipc/client.js';

declare global {
  interface Window {
    readonly slipstream?: Transport;
  }
}

export {};
