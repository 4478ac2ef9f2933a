// Test-only exports that drive the TUN offload code (offload/) on crafted
// packets from TypeScript: offloadSplit and offloadCoalesce.
#ifndef SLIPSTREAM_OFFLOAD_BINDINGS_H_
#define SLIPSTREAM_OFFLOAD_BINDINGS_H_

#include <napi.h>

namespace slipstream {

void ExportOffloadForTests(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_OFFLOAD_BINDINGS_H_
