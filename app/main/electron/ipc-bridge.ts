/**
 * Moves the schema's messages between the renderer and MainCore: one
 * ipcMain.handle per command (through the command gate: own frames only,
 * answers are Envelopes) and every core event sent to the window.
 */
import { ipcMain, type BrowserWindow } from 'electron';
import { commandChannel, commands, eventChannel, type CommandName } from '../../../ipc/schema.js';
import type { MainCore } from '../core-api.js';
import { commandGate } from './command-gate.js';

/** Registers a handler for every command of the schema; returns their removal. */
export function handleCommands(core: MainCore, appRoot: string): () => void {
  const gate = commandGate((command, payload) => core.dispatch(command, payload), appRoot);
  const names = Object.keys(commands) as CommandName[];
  for (const name of names) {
    // senderFrame is null once the frame navigated away or was destroyed: refused.
    ipcMain.handle(commandChannel(name), (event, payload: unknown) =>
      gate(event.senderFrame?.url, name, payload),
    );
  }
  return () => {
    for (const name of names) ipcMain.removeHandler(commandChannel(name));
  };
}

/** Sends every core event to the window, if there is one (a hidden window still gets them). */
export function forwardEvents(core: MainCore, window: () => BrowserWindow | null): () => void {
  return core.onEvent((event, payload) => {
    const win = window();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    win.webContents.send(eventChannel(event), payload);
  });
}
