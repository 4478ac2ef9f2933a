// JS bindings of the link/address/route/rule configuration calls.
#ifndef SLIPSTREAM_NETCONFIG_BINDINGS_H_
#define SLIPSTREAM_NETCONFIG_BINDINGS_H_

#include <napi.h>

namespace slipstream {

void ExportNetconfig(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_NETCONFIG_BINDINGS_H_
