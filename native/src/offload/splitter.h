// Turns what a TUN with offloads hands us into plain IP packets: TSO/USO
// super-packets are cut into gso_size pieces, and partial (NEEDS_CSUM)
// checksums are completed, so everything past the reader sees ordinary,
// fully checksummed packets, as it would without offloads.
#ifndef SLIPSTREAM_OFFLOAD_SPLITTER_H_
#define SLIPSTREAM_OFFLOAD_SPLITTER_H_

#include <cstddef>
#include <cstdint>

#include "virtio_header.h"

namespace slipstream {
namespace offload {

enum class SplitStatus { kOk, kNoRoom, kMalformed };

// Completes the checksum of a NEEDS_CSUM packet in place (the field holds
// the pseudo-header sum; the sum from csum_start to the end goes in).
// kMalformed when csum_start/csum_offset point outside the packet.
SplitStatus CompleteChecksum(const VirtioHeader& header, uint8_t* packet, size_t length);

// Cuts a GSO packet (gso_type TCPV4, TCPV6 or UDP_L4, ECN bit allowed) into
// packets of at most gso_size payload bytes, back to back in out[0,
// capacity), lengths in lengths[0, max_packets). Each piece gets its own IP
// length, IPv4 ID (+1 per piece) and header checksum, TCP sequence number
// (FIN and PSH only on the last piece, CWR only on the first) or UDP length,
// and a full transport checksum. Header lengths come from the packet itself,
// never from hdr_len. kNoRoom leaves *count 0.
SplitStatus SplitGsoPacket(const VirtioHeader& header, const uint8_t* packet, size_t length,
                           uint8_t* out, size_t capacity, uint32_t* lengths, size_t max_packets,
                           size_t* count);

}  // namespace offload
}  // namespace slipstream

#endif  // SLIPSTREAM_OFFLOAD_SPLITTER_H_
