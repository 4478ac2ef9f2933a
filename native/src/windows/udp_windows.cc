// UDP on Windows with Winsock, behind the same seam as udp_linux.cc: an IPv4
// and an IPv6-only socket on one port; batched receive with WSARecvMsg
// (Windows has no recvmmsg: one call per datagram, up to a batch per wake-up);
// sends with UDP send offload (USO, UDP_SEND_MSG_SIZE) where the stack takes
// it, else one datagram per WSASendMsg. URO (receive coalescing) stays off
// unless asked for, and is switched off for good when the stack reports a
// segment size no datagram can have.
#include "winsock_compat.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "../platform.h"

namespace slipstream {
namespace {

constexpr size_t kMaxPayloadV4 = 65507;
constexpr size_t kMaxPayloadV6 = 65527;
constexpr int kReceiveBuffer = 16 * 1024 * 1024;
constexpr int kSendBuffer = 2 * 1024 * 1024;
constexpr int kAnyPortAttempts = 8;
// The URO buffer limit when it is switched on: one receive slot.
constexpr DWORD kUroMaxCoalesced = 65535 - 8 - 20;

// Set once the stack reported an impossible URO segment size: URO stays off.
std::atomic<bool> g_uro_untrusted{false};

// WSA errors as the seam's POSIX-style values (mingw's errno.h has them all).
int FromWsa(int wsa) {
  switch (wsa) {
    case WSAEWOULDBLOCK:
      return EAGAIN;
    case WSAEMSGSIZE:
      return EMSGSIZE;
    case WSAEINVAL:
      return EINVAL;
    case WSAEADDRINUSE:
      return EADDRINUSE;
    case WSAEADDRNOTAVAIL:
      return EADDRNOTAVAIL;
    case WSAEAFNOSUPPORT:
      return EAFNOSUPPORT;
    case WSAENOPROTOOPT:
      return ENOPROTOOPT;
    case WSAEOPNOTSUPP:
      return EOPNOTSUPP;
    case WSAENETUNREACH:
      return ENETUNREACH;
    case WSAEHOSTUNREACH:
      return EHOSTUNREACH;
    case WSAECONNRESET:
      return ECONNRESET;
    case WSAENOBUFS:
      return ENOBUFS;
    case WSAEACCES:
      return EACCES;
    case WSAEINTR:
      return EINTR;
    default:
      return EIO;
  }
}

int LastError() { return FromWsa(WSAGetLastError()); }

SOCKET AsSocket(NativeHandle h) { return static_cast<SOCKET>(h); }

// Winsock is started by libuv inside Node; WSAStartup is reference-counted, so
// this is harmless there and needed in any other host.
bool StartWinsock() {
  static const bool started = [] {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data) == 0;
  }();
  return started;
}

int Configure(SOCKET s) {
  u_long nonblocking = 1;
  if (ioctlsocket(s, FIONBIO, &nonblocking) != 0) return LastError();
  // Without this, an ICMP port unreachable for an earlier send makes the next
  // receive fail with WSAECONNRESET, which would stall the batch.
  BOOL report = FALSE;
  DWORD returned = 0;
  WSAIoctl(s, SIO_UDP_CONNRESET, &report, sizeof report, nullptr, 0, &returned, nullptr, nullptr);
  int bytes = kReceiveBuffer;
  setsockopt(s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&bytes), sizeof bytes);
  bytes = kSendBuffer;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&bytes), sizeof bytes);
  return 0;
}

int OpenOne(int family, uint16_t port, SOCKET* out, uint16_t* port_out) {
  SOCKET s = WSASocketW(family, SOCK_DGRAM, IPPROTO_UDP, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return LastError();
  int err = 0;
  if (family == AF_INET6) {
    DWORD on = 1;
    if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, reinterpret_cast<const char*>(&on), sizeof on)) {
      err = LastError();
    }
  }
  if (err == 0) err = Configure(s);
  if (err == 0) {
    sockaddr_storage addr;
    std::memset(&addr, 0, sizeof addr);
    int len;
    if (family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      a->sin_family = AF_INET;
      a->sin_port = htons(port);
      a->sin_addr.s_addr = htonl(INADDR_ANY);
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(port);
      a->sin6_addr = in6addr_any;
      len = sizeof *a;
    }
    if (bind(s, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      err = LastError();
    } else if (port_out != nullptr) {
      *port_out = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    }
  }
  if (err != 0) {
    closesocket(s);
    return err;
  }
  *out = s;
  return 0;
}

bool IsV4Mapped(const uint8_t* bytes) {
  static const uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes, kPrefix, sizeof kPrefix) == 0;
}

struct Destination {
  SOCKET s = INVALID_SOCKET;
  sockaddr_storage addr;
  int length = 0;
  size_t max_payload = 0;
};

int Resolve(const UdpInfo& sockets, const IpAddress& to, uint16_t port, Destination* out) {
  std::memset(&out->addr, 0, sizeof out->addr);
  if (to.family == 4 || (to.family == 6 && IsV4Mapped(to.bytes))) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out->addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, to.family == 4 ? to.bytes : to.bytes + 12, 4);
    out->s = AsSocket(sockets.v4);
    out->length = sizeof *a;
    out->max_payload = kMaxPayloadV4;
    return 0;
  }
  if (sockets.v6 == kInvalidHandle) return EAFNOSUPPORT;
  auto* a = reinterpret_cast<sockaddr_in6*>(&out->addr);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  std::memcpy(&a->sin6_addr, to.bytes, 16);
  out->s = AsSocket(sockets.v6);
  out->length = sizeof *a;
  out->max_payload = kMaxPayloadV6;
  return 0;
}

// One WSASendMsg; with segment > 0 it carries UDP_SEND_MSG_SIZE (USO).
int SendMsg(const Destination& d, const uint8_t* data, size_t length, DWORD segment,
            UdpCounters* counters) {
  WSABUF buffer;
  buffer.buf = reinterpret_cast<char*>(const_cast<uint8_t*>(data));
  buffer.len = static_cast<ULONG>(length);
  alignas(winsock::CmsgHeader) char control[winsock::CmsgSpace(sizeof(DWORD))];
  std::memset(control, 0, sizeof control);
  WSAMSG m;
  std::memset(&m, 0, sizeof m);
  m.name = reinterpret_cast<LPSOCKADDR>(const_cast<sockaddr_storage*>(&d.addr));
  m.namelen = d.length;
  m.lpBuffers = &buffer;
  m.dwBufferCount = 1;
  if (segment > 0) {
    m.Control.buf = control;
    m.Control.len = sizeof control;
    auto* c = winsock::CmsgFirst(m);
    c->cmsg_level = IPPROTO_UDP;
    c->cmsg_type = UDP_SEND_MSG_SIZE;
    c->cmsg_len = winsock::CmsgLen(sizeof(DWORD));
    std::memcpy(winsock::CmsgData(c), &segment, sizeof segment);
  }
  for (;;) {
    ++counters->send_syscalls;
    DWORD sent = 0;
    if (WSASendMsg(d.s, &m, 0, &sent, nullptr, nullptr) == 0) return 0;
    const int err = LastError();
    if (err != EINTR) return err;
  }
}

// Errors with which a stack says "no USO here" (or not for this path).
bool RefusesUso(int err) {
  return err == EINVAL || err == EMSGSIZE || err == ENOPROTOOPT || err == EOPNOTSUPP;
}

// The datagrams one per send (no USO).
int SendRun(const Destination& d, const uint8_t* data, size_t length, size_t segment,
            UdpCounters* counters) {
  for (size_t at = 0; at < length; at += segment) {
    const int err = SendMsg(d, data + at, std::min(segment, length - at), 0, counters);
    if (err != 0) return err;
    ++counters->datagrams_sent;
  }
  return 0;
}

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
        WritePeer(peers_[i], e);
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

  void WritePeer(const sockaddr_storage& peer, size_t e) {
    uint8_t* addr = slots_.addrs + e * 16;
    std::memset(addr, 0, 16);
    if (peer.ss_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(&peer);
      std::memcpy(addr, &v4->sin_addr, 4);
      slots_.ports[e] = ntohs(v4->sin_port);
      slots_.families[e] = 4;
    } else {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&peer);
      std::memcpy(addr, &v6->sin6_addr, 16);
      slots_.ports[e] = ntohs(v6->sin6_port);
      slots_.families[e] = 6;
    }
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

int UdpOpen(uint16_t port, uint32_t fwmark, UdpInfo* out) {
  // No fwmark on Windows: encrypted packets stay off the tunnel through
  // IP_UNICAST_IF or host routes instead.
  if (fwmark != 0) return ENOTSUP;
  if (!StartWinsock()) return EIO;
  const int attempts = port == 0 ? kAnyPortAttempts : 1;
  int err = 0;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    SOCKET v4 = INVALID_SOCKET;
    uint16_t bound = 0;
    err = OpenOne(AF_INET, port, &v4, &bound);
    if (err != 0) return err;
    SOCKET v6 = INVALID_SOCKET;
    err = OpenOne(AF_INET6, bound, &v6, nullptr);
    if (err == 0 || err == EAFNOSUPPORT || err == EADDRNOTAVAIL) {
      out->v4 = static_cast<NativeHandle>(v4);
      out->v6 = v6 == INVALID_SOCKET ? kInvalidHandle : static_cast<NativeHandle>(v6);
      out->port = bound;
      return 0;
    }
    closesocket(v4);
    if (err != EADDRINUSE) return err;
  }
  return err;
}

int UdpSend(const UdpInfo& sockets, const uint8_t* data, size_t length, const IpAddress& to,
            uint16_t port) {
  Destination d;
  const int err = Resolve(sockets, to, port, &d);
  if (err != 0) return err;
  UdpCounters ignored;
  return SendMsg(d, data, length, 0, &ignored);
}

void UdpClose(NativeHandle handle) {
  if (handle != kInvalidHandle) closesocket(AsSocket(handle));
}

UdpOffloads UdpEnableOffloads(const UdpInfo& sockets) {
  UdpOffloads result;
  // USO probe: the option takes a segment size only where the stack has USO;
  // then back to 0, so plain sends are never split. Segmentation is asked for
  // per send, with the cmsg.
  const SOCKET s = AsSocket(sockets.v4);
  DWORD size = 1280;
  if (setsockopt(s, IPPROTO_UDP, UDP_SEND_MSG_SIZE, reinterpret_cast<const char*>(&size),
                 sizeof size) == 0) {
    size = 0;
    result.gso = setsockopt(s, IPPROTO_UDP, UDP_SEND_MSG_SIZE,
                            reinterpret_cast<const char*>(&size), sizeof size) == 0;
  }
  // URO stays off by default: stacks and drivers have reported coalesced
  // buffers with wrong segment sizes. setGro(true) asks for it.
  result.gro = false;
  return result;
}

int UdpSetGro(const UdpInfo& sockets, bool enabled) {
  if (enabled && g_uro_untrusted.load()) return EOPNOTSUPP;
  const DWORD value = enabled ? kUroMaxCoalesced : 0;
  for (NativeHandle h : {sockets.v4, sockets.v6}) {
    if (h == kInvalidHandle) continue;
    if (setsockopt(AsSocket(h), IPPROTO_UDP, UDP_RECV_MAX_COALESCED_SIZE,
                   reinterpret_cast<const char*>(&value), sizeof value) != 0) {
      return LastError();
    }
  }
  return 0;
}

int UdpSetUnicastInterface(const UdpInfo& sockets, uint32_t ifindex) {
  // IPv4 takes the index in network byte order, IPv6 in host byte order.
  const DWORD v4 = htonl(ifindex);
  if (setsockopt(AsSocket(sockets.v4), IPPROTO_IP, IP_UNICAST_IF,
                 reinterpret_cast<const char*>(&v4), sizeof v4) != 0) {
    return LastError();
  }
  const DWORD v6 = ifindex;
  if (sockets.v6 != kInvalidHandle &&
      setsockopt(AsSocket(sockets.v6), IPPROTO_IPV6, IPV6_UNICAST_IF,
                 reinterpret_cast<const char*>(&v6), sizeof v6) != 0) {
    return LastError();
  }
  return 0;
}

int UdpSendSegments(const UdpInfo& sockets, const uint8_t* data, size_t length,
                    size_t segment_size, const IpAddress& to, uint16_t port, bool* gso,
                    UdpCounters* counters) {
  if (segment_size == 0 || length == 0) return EINVAL;
  Destination d;
  int err = Resolve(sockets, to, port, &d);
  if (err == 0 && segment_size > d.max_payload) err = EMSGSIZE;
  if (err != 0) {
    ++counters->send_errors;
    return err;
  }
  size_t at = 0;
  const size_t total_segments = (length + segment_size - 1) / segment_size;
  // The cmsg only for more than one segment: a lone datagram needs no USO.
  if (*gso && total_segments > 1) {
    const size_t per_send = std::min(kMaxGsoSegments, d.max_payload / segment_size);
    while (at < length) {
      const size_t chunk = std::min(per_send * segment_size, length - at);
      const size_t segments = (chunk + segment_size - 1) / segment_size;
      err = segments > 1
                ? SendMsg(d, data + at, chunk, static_cast<DWORD>(segment_size), counters)
                : SendMsg(d, data + at, chunk, 0, counters);
      if (err == 0) {
        if (segments > 1) {
          ++counters->gso_sends;
          counters->segments_sent += segments;
        }
        counters->datagrams_sent += segments;
        at += chunk;
        continue;
      }
      if (!RefusesUso(err)) break;
      // Refused: remembered for this socket, the rest goes one datagram per send.
      *gso = false;
      ++counters->gso_fallbacks;
      err = 0;
      break;
    }
    if (err != 0) {
      ++counters->send_errors;
      return err;
    }
    if (at == length) return 0;
  }
  err = SendRun(d, data + at, length - at, segment_size, counters);
  if (err != 0) ++counters->send_errors;
  return err;
}

int UdpSendMany(const UdpInfo& sockets, const OutgoingDatagram* datagrams, size_t count,
                size_t* sent, UdpCounters* counters) {
  *sent = 0;
  int first_error = 0;
  for (size_t i = 0; i < count; ++i) {
    Destination d;
    int err = Resolve(sockets, datagrams[i].to, datagrams[i].port, &d);
    if (err == 0) err = SendMsg(d, datagrams[i].data, datagrams[i].length, 0, counters);
    if (err == 0) {
      ++*sent;
      ++counters->datagrams_sent;
      continue;
    }
    if (first_error == 0) first_error = err;
    if (err == EAGAIN) {
      // The socket buffer is full: what is left would only fail again.
      counters->send_errors += count - i;
      return EAGAIN;
    }
    ++counters->send_errors;
  }
  return first_error;
}

std::unique_ptr<DatagramReceiver> DatagramReceiver::Create(const DatagramSlots& slots) {
  return std::make_unique<WindowsDatagramReceiver>(slots);
}

}  // namespace slipstream
