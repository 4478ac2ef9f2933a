// UDP on Windows (Winsock, later RIO/USO) is not implemented yet: every call
// reports ENOTSUP.
#include <cerrno>

#include "../platform.h"

namespace slipstream {
namespace {

class UnsupportedDatagramReceiver final : public DatagramReceiver {
 public:
  int Receive(NativeHandle /*handle*/, size_t /*max*/, size_t* count) override {
    *count = 0;
    return ENOTSUP;
  }
};

}  // namespace

int UdpOpen(uint16_t /*port*/, uint32_t /*fwmark*/, UdpInfo* /*out*/) { return ENOTSUP; }

int UdpSend(const UdpInfo& /*sockets*/, const uint8_t* /*data*/, size_t /*length*/,
            const IpAddress& /*to*/, uint16_t /*port*/) {
  return ENOTSUP;
}

void UdpClose(NativeHandle /*handle*/) {}

std::unique_ptr<DatagramReceiver> DatagramReceiver::Create(const DatagramSlots& /*slots*/) {
  return std::make_unique<UnsupportedDatagramReceiver>();
}

}  // namespace slipstream
