// The Windows service entry of the addon (service.cc), Windows builds only:
// addon.cc calls ExportWindowsService under _WIN32 and binding.gyp lists
// service.cc in the OS=='win' sources.
#ifndef SLIPSTREAM_WINDOWS_SERVICE_H_
#define SLIPSTREAM_WINDOWS_SERVICE_H_

#include <napi.h>

namespace slipstream {

// Adds runService(name, onEvent), reportServiceRunning(),
// reportServiceStopped(exitCode) and ensureSecureDirectory(path, sddl).
void ExportWindowsService(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_SERVICE_H_
