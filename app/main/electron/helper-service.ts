/**
 * Windows: the helper as a service. The installer registers
 * `Slipstream.exe --helper-service` with the Service Control Manager
 * (installer.nsh); Node cannot talk to the SCM, so the native addon does
 * (native/src/windows/service.cc): it runs the service dispatcher on its own
 * thread, reports "running", and calls back here when the SCM asks to stop.
 *
 * What the service then serves (a named pipe with the IPC schema, Wintun)
 * is not written yet: for now it runs until stopped, so installing,
 * starting and stopping the service can be exercised end to end.
 */
import { app } from 'electron';
import { loadAddon } from '../../native/addon.js';

export const SERVICE_NAME = 'SlipstreamHelper';

type ServiceEvent = 'running' | 'stop' | 'error';

/** The addon's Windows-only exports (absent from other builds). */
interface ServiceBinding {
  runService(name: string, onEvent: (event: ServiceEvent, code: number) => void): void;
  reportServiceStopped(exitCode: number): void;
}

function serviceBinding(): ServiceBinding | null {
  const addon = loadAddon() as unknown as Partial<ServiceBinding>;
  return typeof addon.runService === 'function' && typeof addon.reportServiceStopped === 'function'
    ? (addon as ServiceBinding)
    : null;
}

export async function runHelperService(): Promise<void> {
  // A service has no desktop: no GPU process, no windows, no tray.
  app.disableHardwareAcceleration();
  const binding = process.platform === 'win32' ? serviceBinding() : null;
  if (!binding) {
    console.error('slipstream: --helper-service works only in the Windows build');
    app.exit(2);
    return;
  }
  await app.whenReady();
  binding.runService(SERVICE_NAME, (event, code) => {
    switch (event) {
      case 'running':
        console.info('slipstream: helper service running');
        return;
      case 'stop':
        // Tear-down of the tunnel goes here once the Windows helper exists.
        binding.reportServiceStopped(0);
        app.exit(0);
        return;
      case 'error':
        // 1063 (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT): started by hand, not by the SCM.
        console.error(`slipstream: the service dispatcher failed (Win32 error ${code})`);
        app.exit(1);
        return;
    }
  });
}
