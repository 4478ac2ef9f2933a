// The JS `winNet` object: Windows network configuration (winnet.h).
#ifndef SLIPSTREAM_WINDOWS_WINNET_BINDINGS_H_
#define SLIPSTREAM_WINDOWS_WINNET_BINDINGS_H_

#include <napi.h>

namespace slipstream {

void ExportWinNet(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_WINNET_BINDINGS_H_
