// UDP on Windows (Winsock, later RIO/USO) is not implemented yet: every call
// reports ENOTSUP.
#include <cerrno>

#include "../platform.h"

namespace slipstream {
namespace {

class UnsupportedDatagramReceiver final : public DatagramReceiver {
 public:
  int Receive(NativeHandle /*handle*/, size_t /*max*/, size_t* buffers,
              UdpCounters* /*counters*/) override {
    *buffers = 0;
    return ENOTSUP;
  }
  size_t NextEntries(UdpCounters* /*counters*/) override { return 0; }
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

// Not implemented yet (URO via UDP_RECV_MAX_COALESCED_SIZE later): ENOTSUP.
int UdpSetGro(const UdpInfo& /*sockets*/, bool /*enabled*/) { return ENOTSUP; }

// Not implemented yet (WSASendMsg per datagram, or RIO, later): ENOTSUP.
int UdpSendMany(const UdpInfo& /*sockets*/, const OutgoingDatagram* /*datagrams*/,
                size_t /*count*/, size_t* sent, UdpCounters* /*counters*/) {
  *sent = 0;
  return ENOTSUP;
}

std::unique_ptr<DatagramReceiver> DatagramReceiver::Create(const DatagramSlots& /*slots*/) {
  return std::make_unique<UnsupportedDatagramReceiver>();
}

}  // namespace slipstream
