#include "splitter.h"

#include <cstring>

#include "checksum.h"
#include "packet_headers.h"

namespace slipstream {
namespace offload {

SplitStatus CompleteChecksum(const VirtioHeader& header, uint8_t* packet, size_t length) {
  const size_t start = header.csum_start;
  const size_t field = start + header.csum_offset;
  if (start >= length || field + 2 > length) return SplitStatus::kMalformed;
  const uint16_t check = ChecksumFinish(ChecksumAdd(packet + start, length - start, 0));
  // Like the kernel's skb_checksum_help: a computed zero goes out as 0xffff,
  // which UDP needs (zero means "no checksum") and TCP reads as the same value.
  Store16(packet + field, check == 0 ? 0xffff : check);
  return SplitStatus::kOk;
}

SplitStatus SplitGsoPacket(const VirtioHeader& header, const uint8_t* packet, size_t length,
                           uint8_t* out, size_t capacity, uint32_t* lengths, size_t max_packets,
                           size_t* count) {
  *count = 0;
  const uint8_t type = header.gso_type & static_cast<uint8_t>(~kGsoEcn);
  uint8_t protocol = 0;
  if (type == kGsoTcpV4 || type == kGsoTcpV6) {
    protocol = kProtoTcp;
  } else if (type == kGsoUdpL4) {
    protocol = kProtoUdp;
  } else {
    return SplitStatus::kMalformed;
  }
  L4Packet p;
  if (!ParseL4Packet(packet, length, header.csum_start, protocol, &p) || p.protocol != protocol) {
    return SplitStatus::kMalformed;
  }
  if ((type == kGsoTcpV4 && p.version != 4) || (type == kGsoTcpV6 && p.version != 6)) {
    return SplitStatus::kMalformed;
  }
  const size_t segment = header.gso_size;
  if (segment == 0) return SplitStatus::kMalformed;
  const size_t header_length = p.header_length();
  const size_t pieces = p.payload == 0 ? 1 : (p.payload + segment - 1) / segment;
  if (pieces > max_packets || p.payload + pieces * header_length > capacity) {
    return SplitStatus::kNoRoom;
  }

  const uint8_t* l4_in = packet + p.ip_header;
  const uint16_t ipv4_id = p.version == 4 ? Load16(packet + 4) : 0;
  const uint32_t seq = protocol == kProtoTcp ? Load32(l4_in + 4) : 0;
  const uint8_t tcp_flags = protocol == kProtoTcp ? l4_in[13] : 0;
  size_t at = 0;
  for (size_t i = 0; i < pieces; ++i) {
    const size_t from = i * segment;
    const size_t chunk = p.payload - from < segment ? p.payload - from : segment;
    uint8_t* piece = out + at;
    std::memcpy(piece, packet, header_length);
    std::memcpy(piece + header_length, packet + header_length + from, chunk);
    const size_t piece_length = header_length + chunk;
    SetIpLength(piece, p.version, piece_length);
    if (p.version == 4) {
      Store16(piece + 4, static_cast<uint16_t>(ipv4_id + i));
      SetIpv4HeaderChecksum(piece, p.ip_header);
    }
    uint8_t* l4 = piece + p.ip_header;
    if (protocol == kProtoTcp) {
      Store32(l4 + 4, seq + static_cast<uint32_t>(from));
      uint8_t flags = tcp_flags;
      if (i + 1 < pieces) flags &= static_cast<uint8_t>(~(kTcpFin | kTcpPsh));
      if (i > 0) flags &= static_cast<uint8_t>(~kTcpCwr);
      l4[13] = flags;
    } else {
      Store16(l4 + 4, static_cast<uint16_t>(kUdpHeader + chunk));
    }
    L4Packet piece_layout = p;
    piece_layout.payload = chunk;
    SetL4Checksum(piece, piece_layout);
    lengths[i] = static_cast<uint32_t>(piece_length);
    at += piece_length;
  }
  *count = pieces;
  return SplitStatus::kOk;
}

}  // namespace offload
}  // namespace slipstream
