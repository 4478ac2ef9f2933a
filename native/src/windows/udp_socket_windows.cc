// UDP on Windows with Winsock, behind the same seam as udp_linux.cc: opening
// an IPv4 and an IPv6-only socket on one port, and the socket options (the
// USO probe, URO on request, IP_UNICAST_IF). Sends: udp_send_windows.cc;
// batched receive: udp_receive_windows.cc.
#include "udp_windows.h"

#include <cerrno>
#include <cstring>

namespace slipstream {
namespace winudp {

std::atomic<bool> g_uro_untrusted{false};

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

namespace {

bool IsV4Mapped(const uint8_t* bytes) {
  static const uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes, kPrefix, sizeof kPrefix) == 0;
}

}  // namespace

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

}  // namespace winudp

namespace {

using winudp::AsSocket;
using winudp::LastError;
using winudp::g_uro_untrusted;

constexpr int kReceiveBuffer = 16 * 1024 * 1024;
constexpr int kSendBuffer = 2 * 1024 * 1024;
constexpr int kAnyPortAttempts = 8;
// The URO buffer limit when it is switched on: one receive slot.
constexpr DWORD kUroMaxCoalesced = 65535 - 8 - 20;

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

}  // namespace slipstream
