// openFastPath(tun, udp, options): the native data path (fastpath/fast_path.h)
// as a JS object; see FastPath in app/native/types.ts. Linux builds with
// libsodium only; elsewhere the export is absent and the TypeScript data path
// carries everything.
#ifndef SLIPSTREAM_FASTPATH_FAST_PATH_BINDINGS_H_
#define SLIPSTREAM_FASTPATH_FAST_PATH_BINDINGS_H_

#include <napi.h>

namespace slipstream {

void ExportFastPath(Napi::Env env, Napi::Object exports);
// fastPathSeal, fastPathOpen, fastPathReplay (fast_path_test_hooks.cc).
void ExportFastPathTestHooks(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_FASTPATH_FAST_PATH_BINDINGS_H_
