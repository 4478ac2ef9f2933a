// Where a received datagram came from, written into its batch entry the same
// way on every platform: 16 address bytes (IPv4 in the first 4), the port in
// host order, and the family as 4 or 6.
#ifndef SLIPSTREAM_PEER_SLOT_H_
#define SLIPSTREAM_PEER_SLOT_H_

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

#include <cstddef>
#include <cstring>

#include "platform.h"

namespace slipstream {

inline void WritePeerSlot(const DatagramSlots& slots, const sockaddr_storage& peer, size_t e) {
  uint8_t* addr = slots.addrs + e * 16;
  std::memset(addr, 0, 16);
  if (peer.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&peer);
    std::memcpy(addr, &v4->sin_addr, 4);
    slots.ports[e] = ntohs(v4->sin_port);
    slots.families[e] = 4;
  } else {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&peer);
    std::memcpy(addr, &v6->sin6_addr, 16);
    slots.ports[e] = ntohs(v6->sin6_port);
    slots.families[e] = 6;
  }
}

}  // namespace slipstream

#endif  // SLIPSTREAM_PEER_SLOT_H_
