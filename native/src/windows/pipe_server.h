// The helper's control pipe, created by the addon with its DACL on every
// instance (pipe_server.cc). Windows builds only: addon.cc calls
// ExportPipeServer under _WIN32 and binding.gyp lists pipe_server.cc in the
// OS=='win' sources.
#ifndef SLIPSTREAM_WINDOWS_PIPE_SERVER_H_
#define SLIPSTREAM_WINDOWS_PIPE_SERVER_H_

#include <napi.h>

namespace slipstream {

// Adds createPipeServer(pipePath, sddl, onEvent) -> { close() }.
void ExportPipeServer(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_PIPE_SERVER_H_
