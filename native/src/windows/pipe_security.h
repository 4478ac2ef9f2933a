// Who serves the helper's control pipe (pipe_security.cc), Windows builds
// only: addon.cc calls ExportPipeSecurity under _WIN32 and binding.gyp lists
// pipe_security.cc in the OS=='win' sources.
#ifndef SLIPSTREAM_WINDOWS_PIPE_SECURITY_H_
#define SLIPSTREAM_WINDOWS_PIPE_SECURITY_H_

#include <napi.h>

namespace slipstream {

// Adds inspectPipeServer(pipePath) and currentUserSid().
void ExportPipeSecurity(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_PIPE_SECURITY_H_
