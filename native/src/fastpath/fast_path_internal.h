// What the native data path's files share: its limits, small helpers, and the two
// threads' buffers (fast_path.cc sets them up; fast_path_send.cc and
// fast_path_receive.cc use them).
#ifndef SLIPSTREAM_FASTPATH_FAST_PATH_INTERNAL_H_
#define SLIPSTREAM_FASTPATH_FAST_PATH_INTERNAL_H_

#include <poll.h>

#include <cstring>
#include <memory>
#include <vector>

#include "batch_helper.h"
#include "fast_path.h"

namespace slipstream {
namespace wg {

// Declined packets held for the loop thread at most: a burst before the first
// handshake, or a handshake flood (dropped beyond this, as the core would).
inline constexpr size_t kDeclinedEntries = 1024;
inline constexpr size_t kDeclinedBytes = 4 * 1024 * 1024;
// Room for a whole batch sealed: each packet grows by a header, a tag and at
// most 15 bytes of padding.
inline constexpr size_t kSealedRoom = kArenaSize + kTunEntries * (kMinMessage + kPaddingMultiple);

inline bool SameAddress(const IpAddress& a, uint8_t family, const uint8_t* bytes) {
  return a.family == family && std::memcmp(a.bytes, bytes, family == 4 ? 4 : 16) == 0;
}

// Which socket a destination leaves through (UdpSend's rule: IPv4-mapped goes out as IPv4).
inline bool LeavesAsV4(const IpAddress& to) {
  if (to.family == 4) return true;
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(to.bytes, kMapped, 12) == 0;
}

// Handshake messages at their exact sizes (initiation, response, cookie reply); the core
// drops any other size as malformed, so they need not take room in the queue.
inline bool IsHandshakeMessage(uint32_t type, size_t length) {
  return (type == 1 && length == 148) || (type == 2 && length == 92) ||
         (type == 3 && length == 64);
}

// A descriptor in a lasting error (a TUN whose link is gone, a socket error) polls ready
// at once; after this many idle wake-ups in a row that only found errors, the loop waits
// on the stop descriptor alone for a while instead of spinning.
inline constexpr int kErrorWakeups = 8;
inline constexpr int kErrorBackoffMs = 100;

// True when asked to stop while waiting.
inline bool BackOff(int stop_fd) {
  pollfd fd = {stop_fd, POLLIN, 0};
  return poll(&fd, 1, kErrorBackoffMs) > 0;
}

// The outbound thread's buffers, allocated once.
struct FastPath::Outbound {
  struct Plan {
    PeerState* peer;
    SendKeypair* key;
    uint64_t counter;
    uint32_t offset;
    uint32_t length;
    IpAddress to;
    uint16_t port;
    uint32_t sealed_at;
    uint32_t sealed_length;
  };
  std::unique_ptr<TunIo> io;
  std::vector<uint8_t> arena = std::vector<uint8_t>(kArenaSize);
  std::vector<uint32_t> offsets = std::vector<uint32_t>(kTunEntries);
  std::vector<uint32_t> lengths = std::vector<uint32_t>(kTunEntries);
  DatagramSlots slots;
  std::vector<Plan> plans;
  std::vector<std::shared_ptr<PeerState>> peer_holds;
  std::vector<std::shared_ptr<SendKeypair>> key_holds;
  std::vector<uint8_t> sealed = std::vector<uint8_t>(kSealedRoom);
  BatchHelper helper;
  TunCounters tun;
  UdpCounters udp;
  bool gso = true;
};

// The inbound thread's buffers, allocated once.
struct FastPath::Inbound {
  struct Item {
    ReceiveKeypair* key;
    uint32_t entry;
    bool opened;
  };
  std::unique_ptr<TunIo> io;
  std::unique_ptr<DatagramReceiver> receiver;
  std::vector<uint8_t> arena = std::vector<uint8_t>(kArenaSize);
  std::vector<uint32_t> offsets = std::vector<uint32_t>(kDatagramEntries);
  std::vector<uint32_t> lengths = std::vector<uint32_t>(kDatagramEntries);
  std::vector<uint16_t> ports = std::vector<uint16_t>(kDatagramEntries);
  std::vector<uint8_t> families = std::vector<uint8_t>(kDatagramEntries);
  std::vector<uint8_t> addrs = std::vector<uint8_t>(kDatagramEntries * 16);
  DatagramSlots slots;
  std::vector<Item> items;
  std::vector<std::shared_ptr<ReceiveKeypair>> holds;
  std::vector<uint32_t> write_offsets;
  std::vector<uint32_t> write_lengths;
  BatchHelper helper;
  TunCounters tun;
  UdpCounters udp;
};

}  // namespace wg
}  // namespace slipstream

#endif  // SLIPSTREAM_FASTPATH_FAST_PATH_INTERNAL_H_
