// TUN on Windows will be a Wintun adapter and ring session. Until that lands,
// every call reports ENOTSUP instead of pretending to work.
#include <cerrno>

#include "../platform.h"

namespace slipstream {

int TunOpen(const std::string& /*requested_name*/, TunInfo* /*out*/) { return ENOTSUP; }

int TunReadBatch(NativeHandle /*handle*/, uint8_t* /*arena*/, uint32_t* /*lengths*/,
                 size_t /*max*/, size_t* count) {
  *count = 0;
  return ENOTSUP;
}

int TunWrite(NativeHandle /*handle*/, const uint8_t* /*packet*/, size_t /*length*/) {
  return ENOTSUP;
}

void TunClose(NativeHandle /*handle*/) {}

}  // namespace slipstream
