// What the three parts of the Windows UDP code share (udp_socket_windows.cc:
// opening and options; udp_send_windows.cc: sends with USO and its fallback;
// udp_receive_windows.cc: batched WSARecvMsg with URO): Winsock errors as the
// seam's POSIX-style values, the destination of a send, and the one flag that
// turns URO off for good. Internal to these files.
#ifndef SLIPSTREAM_WINDOWS_UDP_WINDOWS_H_
#define SLIPSTREAM_WINDOWS_UDP_WINDOWS_H_

#include "winsock_compat.h"

#include <atomic>
#include <cstddef>

#include "../platform.h"

namespace slipstream {
namespace winudp {

constexpr size_t kMaxPayloadV4 = 65507;
constexpr size_t kMaxPayloadV6 = 65527;

// Set once the stack reported an impossible URO segment size: URO stays off.
extern std::atomic<bool> g_uro_untrusted;

// WSA errors as the seam's POSIX-style values (mingw's errno.h has them all).
int FromWsa(int wsa);
inline int LastError() { return FromWsa(WSAGetLastError()); }
inline SOCKET AsSocket(NativeHandle h) { return static_cast<SOCKET>(h); }

struct Destination {
  SOCKET s = INVALID_SOCKET;
  sockaddr_storage addr;
  int length = 0;
  size_t max_payload = 0;
};

// The socket (v4, or v6 for a real IPv6 address) and address a datagram to
// `to`:`port` goes out with; EAFNOSUPPORT when there is no IPv6 socket.
int Resolve(const UdpInfo& sockets, const IpAddress& to, uint16_t port, Destination* out);

}  // namespace winudp
}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_UDP_WINDOWS_H_
