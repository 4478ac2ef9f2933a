#include "packet_headers.h"

#include "checksum.h"

namespace slipstream {
namespace offload {

bool ParseL4Packet(const uint8_t* data, size_t length, size_t l4_offset_hint,
                   uint8_t protocol_hint, L4Packet* out) {
  L4Packet p;
  if (length < 1) return false;
  p.version = data[0] >> 4;
  size_t l4 = 0;
  if (p.version == 4) {
    if (length < kIpv4MinHeader) return false;
    l4 = static_cast<size_t>(data[0] & 0x0f) * 4;
    if (l4 < kIpv4MinHeader || l4 > length || Load16(data + 2) != length) return false;
    p.ipv4_options = l4 > kIpv4MinHeader;
    p.ipv4_fragment = (Load16(data + 6) & 0x3fff) != 0;
    p.protocol = data[9];
  } else if (p.version == 6) {
    if (length < kIpv6Header || Load16(data + 4) + kIpv6Header != length) return false;
    p.protocol = data[6];
    l4 = kIpv6Header;
    if (p.protocol != kProtoTcp && p.protocol != kProtoUdp) {
      // Extension headers: only the kernel's word on where the transport
      // header starts; such packets are split but never coalesced.
      if (l4_offset_hint <= kIpv6Header || l4_offset_hint > length) return false;
      if (protocol_hint != kProtoTcp && protocol_hint != kProtoUdp) return false;
      p.ipv6_extensions = true;
      l4 = l4_offset_hint;
      p.protocol = protocol_hint;
    }
  } else {
    return false;
  }
  p.ip_header = l4;
  const size_t rest = length - l4;
  if (p.protocol == kProtoTcp) {
    if (rest < kTcpMinHeader) return false;
    p.l4_header = static_cast<size_t>(data[l4 + 12] >> 4) * 4;
    if (p.l4_header < kTcpMinHeader || p.l4_header > rest) return false;
  } else if (p.protocol == kProtoUdp) {
    if (rest < kUdpHeader) return false;
    p.l4_header = kUdpHeader;
  } else {
    return false;
  }
  p.payload = rest - p.l4_header;
  *out = p;
  return true;
}

void SetIpv4HeaderChecksum(uint8_t* ip, size_t header_length) {
  Store16(ip + 10, 0);
  Store16(ip + 10, ChecksumFinish(ChecksumAdd(ip, header_length, 0)));
}

void SetIpLength(uint8_t* ip, uint8_t version, size_t packet_length) {
  if (version == 4) {
    Store16(ip + 2, static_cast<uint16_t>(packet_length));
  } else {
    Store16(ip + 4, static_cast<uint16_t>(packet_length - kIpv6Header));
  }
}

uint64_t PacketPseudoSum(const uint8_t* ip, const L4Packet& p, uint32_t l4_length) {
  return PseudoHeaderSum(ip + p.src_offset(), ip + p.dst_offset(), p.address_length(), p.protocol,
                         l4_length);
}

void SetL4Checksum(uint8_t* packet, const L4Packet& p) {
  uint8_t* l4 = packet + p.ip_header;
  const size_t l4_length = p.l4_header + p.payload;
  uint8_t* field = l4 + L4ChecksumOffset(p.protocol);
  Store16(field, 0);
  uint64_t sum = PacketPseudoSum(packet, p, static_cast<uint32_t>(l4_length));
  uint16_t check = ChecksumFinish(ChecksumAdd(l4, l4_length, sum));
  // UDP sends a computed zero as all ones (zero means "no checksum").
  if (p.protocol == kProtoUdp && check == 0) check = 0xffff;
  Store16(field, check);
}

bool ChecksumsValid(const uint8_t* packet, const L4Packet& p) {
  if (p.version == 4 && ChecksumFold(ChecksumAdd(packet, p.ip_header, 0)) != 0xffff) return false;
  const uint8_t* l4 = packet + p.ip_header;
  const size_t l4_length = p.l4_header + p.payload;
  if (p.protocol == kProtoUdp && p.version == 4 && Load16(l4 + 6) == 0) return false;
  const uint64_t sum = PacketPseudoSum(packet, p, static_cast<uint32_t>(l4_length));
  return ChecksumFold(ChecksumAdd(l4, l4_length, sum)) == 0xffff;
}

}  // namespace offload
}  // namespace slipstream
