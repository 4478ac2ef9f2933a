// Module init: the platform-neutral JS surface of app/native/types.ts.
#include <napi.h>

#include "addon_data.h"
#include "copy_ranges.h"
#ifdef SLIPSTREAM_FAST_PATH
#include "fastpath/fast_path_bindings.h"
#endif
#include "netconfig_bindings.h"
#include "ring/test_ring.h"
#include "offload_bindings.h"
#include "text_search.h"
#include "tun_device.h"
#include "udp_socket.h"
#ifdef _WIN32
#include "windows/pipe_security.h"
#include "windows/pipe_server.h"
#include "windows/service.h"
#include "windows/service_control.h"
#include "windows/sessions_windows.h"
#include "windows/winnet_bindings.h"
#include "windows/wintun_bindings.h"
#endif

namespace slipstream {
namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->tun_device = Napi::Persistent(TunDevice::DefineClass(env));
  data->udp_socket = Napi::Persistent(UdpSocket::DefineClass(env));
  env.SetInstanceData(data);

  exports.Set("openTun", Napi::Function::New<TunDevice::Open>(env, "openTun"));
  exports.Set("openUdp", Napi::Function::New<UdpSocket::Open>(env, "openUdp"));
  ExportNetconfig(env, exports);
  ExportTextSearch(env, exports);
  ExportCopyRanges(env, exports);
#ifdef SLIPSTREAM_FAST_PATH
  // Transport data on the addon's own threads, libsodium for ChaCha20-Poly1305.
  ExportFastPath(env, exports);
#endif
  // Test-only: the Wintun ring logic against fakes (test/unit/native/wintun-ring.test.ts).
  ExportRingTesting(env, exports);
  ExportOffloadForTests(env, exports);
#ifdef _WIN32
  // The helper runs as a Windows service; Node cannot speak to the service manager itself.
  ExportWindowsService(env, exports);
  // The control pipe's access control and the GUI's checks of who serves it.
  ExportPipeSecurity(env, exports);
  ExportPipeServer(env, exports);
  ExportServiceControl(env, exports);
  // Who is signed in, for the service to stop the helpers of users who signed out.
  ExportSessions(env, exports);
  // Where openTun finds wintun.dll (the app's resources).
  ExportWintun(env, exports);
  // Routes, DNS, NRPT and the WFP kill switch (app/platform/windows).
  ExportWinNet(env, exports);
#endif
  return exports;
}

}  // namespace
}  // namespace slipstream

// The macro pastes its second argument into an identifier, so it needs an
// unqualified name.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return slipstream::Init(env, exports);
}

NODE_API_MODULE(slipstream, InitModule)
