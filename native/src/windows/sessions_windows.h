// The machine's signed-in users (sessions_windows.cc). Windows builds only:
// addon.cc calls ExportSessions under _WIN32 and binding.gyp lists
// sessions_windows.cc in the OS=='win' sources (and links wtsapi32).
#ifndef SLIPSTREAM_WINDOWS_SESSIONS_WINDOWS_H_
#define SLIPSTREAM_WINDOWS_SESSIONS_WINDOWS_H_

#include <napi.h>

namespace slipstream {

// Adds signedInUserSids() -> string[].
void ExportSessions(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_SESSIONS_WINDOWS_H_
