// Coalesces the packets of one TUN write batch into super-packets the kernel
// takes with a virtio header (GSO_TCPV4/TCPV6, GSO_UDP_L4), as its GRO would
// have. The rules are conservative; anything not provably safe goes alone:
//  - only TCP with flags ACK or PSH|ACK and a payload, or UDP with a payload
//    (and a checksum) coalesces; every checksum is verified first;
//  - IPv4 without options or fragmentation, IPv6 without extension headers;
//  - same addresses and ports, TOS/TTL/DF (IPv4; consecutive IDs when DF is
//    clear) or version/traffic class/flow label/hop limit (IPv6); TCP header
//    length, options, ack and window equal; contiguous sequence numbers;
//  - a packet only ever joins the newest group of its flow (never reordering
//    a flow), with a payload no larger than the group's first; a smaller one
//    or one with PSH ends the group; at most 65535 bytes (UDP: 64 segments).
// Pure computation: no syscalls; the writer decides what to do with groups.
#ifndef SLIPSTREAM_OFFLOAD_COALESCER_H_
#define SLIPSTREAM_OFFLOAD_COALESCER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "packet_headers.h"
#include "virtio_header.h"

namespace slipstream {
namespace offload {

struct PacketView {
  const uint8_t* data = nullptr;
  size_t length = 0;
};

struct CoalesceGroup {
  uint32_t head = 0;  // index of the first packet
  uint32_t tail = 0;
  uint32_t count = 0;
  size_t bytes = 0;  // length of the (super-)packet
  // Internal state while planning.
  L4Packet layout;  // of the first packet
  size_t payload = 0;
  uint32_t next_seq = 0;
  uint16_t next_ipv4_id = 0;
  bool mergeable = false;
  bool closed = false;
  bool has_flow = false;
};

class Coalescer {
 public:
  // Groups packets[0, count) in order. tcp/udp: which protocols may merge
  // (udp only where the kernel took TUN_F_USO*).
  void Plan(const PacketView* packets, size_t count, bool tcp, bool udp);

  size_t group_count() const { return groups_.size(); }
  const CoalesceGroup& group(size_t i) const { return groups_[i]; }
  // The packet after `index` in its group, or -1.
  int32_t next_member(uint32_t index) const { return next_[index]; }

  // Writes group i (count > 1) as one super-packet into out (at least
  // group(i).bytes) and fills its virtio header.
  void Build(size_t i, const PacketView* packets, uint8_t* out, VirtioHeader* header) const;

 private:
  bool TryAppend(CoalesceGroup* g, const PacketView* packets, uint32_t index,
                 const L4Packet& p);
  std::vector<CoalesceGroup> groups_;
  std::vector<int32_t> next_;
};

}  // namespace offload
}  // namespace slipstream

#endif  // SLIPSTREAM_OFFLOAD_COALESCER_H_
