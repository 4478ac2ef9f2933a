// Reading and writing the IPv4/IPv6 and TCP/UDP header fields the TUN
// offloads touch. Everything here works on raw bytes, in network order.
#ifndef SLIPSTREAM_OFFLOAD_PACKET_HEADERS_H_
#define SLIPSTREAM_OFFLOAD_PACKET_HEADERS_H_

#include <cstddef>
#include <cstdint>

namespace slipstream {
namespace offload {

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr size_t kIpv4MinHeader = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kTcpMinHeader = 20;
constexpr size_t kUdpHeader = 8;
constexpr size_t kMaxIpPacket = 65535;

// TCP flag bits (byte 13 of the TCP header).
constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kTcpRst = 0x04;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpAck = 0x10;
constexpr uint8_t kTcpCwr = 0x80;

inline uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t Load32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
inline void Store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void Store32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// Where the layers of a TCP or UDP packet start, as found from the packet's
// own headers (never from a virtio header's hdr_len).
struct L4Packet {
  uint8_t version = 0;      // 4 or 6
  uint8_t protocol = 0;     // kProtoTcp or kProtoUdp
  size_t ip_header = 0;     // bytes of IP header (IPv6: 40 plus any extension headers)
  size_t l4_header = 0;     // TCP header with options, or 8 for UDP
  size_t payload = 0;       // transport payload bytes
  bool ipv4_options = false;
  bool ipv4_fragment = false;  // MF set or a non-zero offset
  bool ipv6_extensions = false;
  size_t header_length() const { return ip_header + l4_header; }
  size_t address_length() const { return version == 4 ? 4 : 16; }
  size_t src_offset() const { return version == 4 ? 12 : 8; }
  size_t dst_offset() const { return version == 4 ? 16 : 24; }
};

// Parses a packet of `length` bytes whose IP length field matches `length`.
// For IPv6 packets with extension headers (not walked here) only the
// kernel's word says where the transport header starts and what it is:
// `l4_offset_hint` (csum_start) and `protocol_hint` (from gso_type); pass 0
// to refuse such packets. Returns false for anything else (not TCP/UDP,
// short, lengths disagreeing).
bool ParseL4Packet(const uint8_t* data, size_t length, size_t l4_offset_hint,
                   uint8_t protocol_hint, L4Packet* out);

// Recomputes the IPv4 header checksum in place.
void SetIpv4HeaderChecksum(uint8_t* ip, size_t header_length);
// Sets the IP length field (IPv4 total length / IPv6 payload length) for a
// packet of `packet_length` bytes.
void SetIpLength(uint8_t* ip, uint8_t version, size_t packet_length);
// The pseudo-header sum of a TCP/UDP packet for an l4 length.
uint64_t PacketPseudoSum(const uint8_t* ip, const L4Packet& p, uint32_t l4_length);
// Offset of the checksum field inside the transport header.
inline size_t L4ChecksumOffset(uint8_t protocol) { return protocol == kProtoTcp ? 16 : 6; }
// Writes the full transport checksum of a packet laid out per `p`.
void SetL4Checksum(uint8_t* packet, const L4Packet& p);
// Whether the IPv4 header checksum (if IPv4) and the transport checksum are
// right. A UDP-over-IPv4 checksum of zero ("none") counts as not verified.
bool ChecksumsValid(const uint8_t* packet, const L4Packet& p);

}  // namespace offload
}  // namespace slipstream

#endif  // SLIPSTREAM_OFFLOAD_PACKET_HEADERS_H_
