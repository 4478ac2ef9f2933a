// Winsock names the Windows SDK has and mingw-w64's headers (10.0) lack, in one
// place, each only when the headers do not already define it. Values and
// layouts are those of the Windows SDK (ws2ipdef.h, ws2def.h).
#ifndef SLIPSTREAM_WINDOWS_WINSOCK_COMPAT_H_
#define SLIPSTREAM_WINDOWS_WINSOCK_COMPAT_H_

// clang-format off: winsock2.h must come before windows.h and mswsock.h.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
// clang-format on

#include <cstddef>

// UDP send offload (USO, Windows 10 2004+): IPPROTO_UDP option and cmsg type,
// a DWORD segment size; 0 turns segmentation off.
#ifndef UDP_SEND_MSG_SIZE
#define UDP_SEND_MSG_SIZE 2
#endif
// UDP receive offload (URO): the option takes the largest coalesced buffer
// (0 = off); each coalesced buffer then carries a UDP_COALESCED_INFO cmsg with
// the segment size as a DWORD.
#ifndef UDP_RECV_MAX_COALESCED_SIZE
#define UDP_RECV_MAX_COALESCED_SIZE 3
#endif
#ifndef UDP_COALESCED_INFO
#define UDP_COALESCED_INFO 3
#endif
#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif
#ifndef IP_UNICAST_IF
#define IP_UNICAST_IF 31
#endif
#ifndef IPV6_UNICAST_IF
#define IPV6_UNICAST_IF 31
#endif

namespace slipstream {
namespace winsock {

// WSACMSGHDR and its WSA_CMSG_* macros, absent from mingw-w64: a header of
// SIZE_T length and two INTs, data aligned to the header's alignment.
struct CmsgHeader {
  SIZE_T cmsg_len;
  INT cmsg_level;
  INT cmsg_type;
};

constexpr size_t Align(size_t n) {
  return (n + alignof(CmsgHeader) - 1) & ~(alignof(CmsgHeader) - 1);
}
constexpr size_t CmsgLen(size_t data) { return Align(sizeof(CmsgHeader)) + data; }
constexpr size_t CmsgSpace(size_t data) { return Align(sizeof(CmsgHeader)) + Align(data); }

inline unsigned char* CmsgData(CmsgHeader* c) {
  return reinterpret_cast<unsigned char*>(c) + Align(sizeof(CmsgHeader));
}

inline CmsgHeader* CmsgFirst(const WSAMSG& m) {
  return m.Control.len >= sizeof(CmsgHeader) ? reinterpret_cast<CmsgHeader*>(m.Control.buf)
                                             : nullptr;
}

inline CmsgHeader* CmsgNext(const WSAMSG& m, CmsgHeader* c) {
  char* next = reinterpret_cast<char*>(c) + Align(c->cmsg_len);
  char* end = m.Control.buf + m.Control.len;
  if (c->cmsg_len < sizeof(CmsgHeader) || next + sizeof(CmsgHeader) > end) return nullptr;
  return reinterpret_cast<CmsgHeader*>(next);
}

}  // namespace winsock
}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_WINSOCK_COMPAT_H_
