// The GUI's view of the helper service (service_control.cc), Windows builds
// only: addon.cc calls ExportServiceControl under _WIN32 and binding.gyp lists
// service_control.cc in the OS=='win' sources.
#ifndef SLIPSTREAM_WINDOWS_SERVICE_CONTROL_H_
#define SLIPSTREAM_WINDOWS_SERVICE_CONTROL_H_

#include <napi.h>

namespace slipstream {

// Adds queryService(name) and startService(name, args).
void ExportServiceControl(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_SERVICE_CONTROL_H_
