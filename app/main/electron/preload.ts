/**
 * The sandboxed preload: exposes the schema-derived Transport as
 * `window.slipstream` and nothing else (never ipcRenderer). A sandboxed
 * preload cannot import local files, so this is bundled into one CommonJS
 * file with only `electron` external (preload.vite.config.ts).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api.js';

contextBridge.exposeInMainWorld('slipstream', createPreloadApi(ipcRenderer));
