/**
 * Run by the (elevated) NSIS installer before it registers the service, with
 * Electron's Node (ELECTRON_RUN_AS_NODE=1, installer.nsh):
 *   Slipstream.exe <resources>\app.asar.unpacked\dist\app\helper\install-data-root.js
 * Creates %ProgramData%\Slipstream with its ACL (data-root.ts). Prints one line
 * for the installer's log; exit 0 on success, 1 when the directory could not be
 * made safe (the installer then fails rather than leave the service a directory
 * somebody else controls).
 */
import { loadAddon } from '../native/addon.js';
import { prepareDataRoot } from './data-root.js';
import { serviceDataRoot } from './service-start.js';

function main(): number {
  const addon = loadAddon();
  const ensure = addon.ensureSecureDirectory;
  if (process.platform !== 'win32' || !ensure) {
    console.error('slipstream: install-data-root runs only on Windows');
    return 1;
  }
  const root = serviceDataRoot(process.env);
  try {
    const result = prepareDataRoot((dir, sddl) => ensure.call(addon, dir, sddl), root);
    console.log(
      result.movedAside
        ? `slipstream: ${root} created; what was there before is now ${result.movedAside}`
        : `slipstream: ${root} ready`,
    );
    return 0;
  } catch (err) {
    console.error(`slipstream: could not prepare ${root}: ${(err as Error).message}`);
    return 1;
  }
}

process.exitCode = main();
