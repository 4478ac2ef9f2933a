// Per-environment state of the addon (one per Node environment / worker).
#ifndef SLIPSTREAM_ADDON_DATA_H_
#define SLIPSTREAM_ADDON_DATA_H_

#include <napi.h>

namespace slipstream {

struct AddonData {
  // Constructors are not exported; only openTun/openUdp create instances.
  Napi::FunctionReference tun_device;
  Napi::FunctionReference udp_socket;
  // The native data path (Linux with libsodium only).
  Napi::FunctionReference fast_path;

  static AddonData* Of(Napi::Env env) { return env.GetInstanceData<AddonData>(); }
};

}  // namespace slipstream

#endif  // SLIPSTREAM_ADDON_DATA_H_
