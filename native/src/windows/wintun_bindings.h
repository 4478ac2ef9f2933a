// setWintunPath(path): where openTun loads wintun.dll from (Windows only).
#ifndef SLIPSTREAM_WINDOWS_WINTUN_BINDINGS_H_
#define SLIPSTREAM_WINDOWS_WINTUN_BINDINGS_H_

#include <napi.h>

namespace slipstream {

void ExportWintun(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_WINTUN_BINDINGS_H_
