// TUN on Windows will be a Wintun adapter and ring session. Until that lands,
// every call reports ENOTSUP instead of pretending to work.
#include <cerrno>

#include "../platform.h"

namespace slipstream {

int TunOpen(const std::string& /*requested_name*/, bool /*want_offloads*/, TunInfo* /*out*/) {
  return ENOTSUP;
}

std::unique_ptr<TunIo> TunIo::Create(const TunOffloads& /*offloads*/) { return nullptr; }

void TunClose(NativeHandle /*handle*/) {}

}  // namespace slipstream
