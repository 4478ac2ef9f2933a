// UDP on Windows (Winsock, later RIO/USO) is not implemented yet: every call
// reports ENOTSUP.
#include <cerrno>

#include "../platform.h"

namespace slipstream {
namespace {

class UnsupportedDatagramReceiver final : public DatagramReceiver {
 public:
  int Receive(NativeHandle /*handle*/, size_t /*max*/, size_t* buffers, size_t* entries,
              UdpCounters* /*counters*/) override {
    *buffers = 0;
    *entries = 0;
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

// Windows has USO (UDP_SEND_MSG_SIZE) and URO (UDP_RECV_MAX_COALESCED_SIZE),
// the counterparts of GSO and GRO; they come with the Winsock implementation.
UdpOffloads UdpEnableOffloads(const UdpInfo& /*sockets*/) { return UdpOffloads{}; }

int UdpSendSegments(const UdpInfo& /*sockets*/, const uint8_t* /*data*/, size_t /*length*/,
                    size_t /*segment_size*/, const IpAddress& /*to*/, uint16_t /*port*/,
                    bool* gso, UdpCounters* /*counters*/) {
  *gso = false;
  return ENOTSUP;
}

std::unique_ptr<DatagramReceiver> DatagramReceiver::Create(const DatagramSlots& /*slots*/) {
  return std::make_unique<UnsupportedDatagramReceiver>();
}

}  // namespace slipstream
