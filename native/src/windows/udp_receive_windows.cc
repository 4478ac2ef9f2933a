// Batched UDP receive on Windows: WSARecvMsg (Windows has no recvmmsg: one
// call per datagram, up to a batch per wake-up) into the seam's slots, and
// URO (receive coalescing), which stays off unless asked for and is switched
// off for good when the stack reports a segment size no datagram can have.
#include "udp_windows.h"
#include "../peer_slot.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace slipstream {
namespace {

using winudp::AsSocket;
using winudp::g_uro_untrusted;
using winudp::kMaxPayloadV6;
using winudp::LastError;

LPFN_WSARECVMSG RecvMsgFunction(SOCKET s) {
  static std::atomic<LPFN_WSARECVMSG> cached{nullptr};
  LPFN_WSARECVMSG f = cached.load();
  if (f != nullptr) return f;
  GUID id = WSAID_WSARECVMSG;
  DWORD returned = 0;
  if (WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id, &f, sizeof f, &returned,
               nullptr, nullptr) != 0) {
    return nullptr;
  }
  cached.store(f);
  return f;
}

class WindowsDatagramReceiver final : public DatagramReceiver {
 public:
  explicit WindowsDatagramReceiver(const DatagramSlots& slots) : slots_(slots) {}

  int Receive(NativeHandle handle, size_t max, size_t* buffers, UdpCounters* counters) override {
    if (max > kBatchCapacity) max = kBatchCapacity;
    received_ = 0;
    next_buffer_ = 0;
    next_offset_ = 0;
    *buffers = 0;
    const SOCKET s = AsSocket(handle);
    LPFN_WSARECVMSG recv_msg = RecvMsgFunction(s);
    if (recv_msg == nullptr) return EOPNOTSUPP;
    int result = 0;
    while (received_ < max) {
      const size_t i = received_;
      WSABUF buffer;
      buffer.buf = reinterpret_cast<char*>(slots_.arena + i * kSlotSize);
      buffer.len = kSlotSize;
      WSAMSG m;
      std::memset(&m, 0, sizeof m);
      m.name = reinterpret_cast<LPSOCKADDR>(&peers_[i]);
      m.namelen = sizeof peers_[i];
      m.lpBuffers = &buffer;
      m.dwBufferCount = 1;
      m.Control.buf = control_[i];
      m.Control.len = sizeof control_[i];
      DWORD got = 0;
      ++counters->recv_syscalls;
      if (recv_msg(s, &m, &got, nullptr, nullptr) != 0) {
        const int err = LastError();
        if (err == EINTR) continue;
        // A datagram larger than a slot is cut (WSAEMSGSIZE): drop it, go on.
        if (err == EMSGSIZE) continue;
        result = err;
        break;
      }
      lengths_[i] = got;
      size_t segment = CoalescedSegment(m, s);
      if (segment == 0 || segment >= got) segment = got;
      if (got > segment) ++counters->gro_coalesced;
      segments_[i] = segment;
      ++received_;
    }
    *buffers = received_;
    if (result == 0 && received_ < max) result = EAGAIN;
    return result;
  }

  size_t NextEntries(UdpCounters* counters) override {
    size_t e = 0;
    while (next_buffer_ < received_ && e < kDatagramEntries) {
      const size_t i = next_buffer_;
      const size_t length = lengths_[i];
      const size_t segment = segments_[i];
      const uint32_t base = static_cast<uint32_t>(i * kSlotSize);
      do {
        const size_t part = std::min(segment, length - next_offset_);
        slots_.offsets[e] = base + static_cast<uint32_t>(next_offset_);
        slots_.lengths[e] = static_cast<uint32_t>(part);
        WritePeerSlot(slots_, peers_[i], e);
        ++e;
        next_offset_ += part;
      } while (next_offset_ < length && e < kDatagramEntries);
      if (next_offset_ >= length) {
        ++next_buffer_;
        next_offset_ = 0;
      }
    }
    counters->datagrams_received += e;
    return e;
  }

 private:
  // The URO segment size of a coalesced buffer, 0 when it is one datagram.
  // A size of 0 or one larger than any datagram means the stack's coalescing
  // cannot be trusted: URO goes off for good and the buffer counts as one.
  static size_t CoalescedSegment(const WSAMSG& m, SOCKET s) {
    for (auto* c = winsock::CmsgFirst(m); c != nullptr; c = winsock::CmsgNext(m, c)) {
      if (c->cmsg_level != IPPROTO_UDP || c->cmsg_type != UDP_COALESCED_INFO ||
          c->cmsg_len < winsock::CmsgLen(sizeof(DWORD))) {
        continue;
      }
      DWORD size = 0;
      std::memcpy(&size, winsock::CmsgData(c), sizeof size);
      if (g_uro_untrusted.load()) return 0;
      if (size == 0 || size > kMaxPayloadV6) {
        g_uro_untrusted.store(true);
        const DWORD off = 0;
        setsockopt(s, IPPROTO_UDP, UDP_RECV_MAX_COALESCED_SIZE,
                   reinterpret_cast<const char*>(&off), sizeof off);
        return 0;
      }
      return size;
    }
    return 0;
  }


  DatagramSlots slots_;
  sockaddr_storage peers_[kBatchCapacity];
  alignas(winsock::CmsgHeader) char control_[kBatchCapacity][64];
  size_t lengths_[kBatchCapacity] = {};
  size_t segments_[kBatchCapacity] = {};
  size_t received_ = 0;
  size_t next_buffer_ = 0;
  size_t next_offset_ = 0;
};

}  // namespace

std::unique_ptr<DatagramReceiver> DatagramReceiver::Create(const DatagramSlots& slots) {
  return std::make_unique<WindowsDatagramReceiver>(slots);
}

}  // namespace slipstream
