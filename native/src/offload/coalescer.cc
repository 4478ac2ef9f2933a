#include "coalescer.h"

#include <cstring>

#include "checksum.h"

namespace slipstream {
namespace offload {
namespace {

constexpr uint32_t kMaxUdpSegments = 64;

// Whether a parsed packet may take part in coalescing at all (its own
// properties only, checksums included).
bool Eligible(const uint8_t* data, const L4Packet& p, bool tcp, bool udp) {
  if (p.ipv4_options || p.ipv4_fragment || p.ipv6_extensions || p.payload == 0) return false;
  if (p.protocol == kProtoTcp) {
    if (!tcp) return false;
    const uint8_t flags = data[p.ip_header + 13];
    if (flags != kTcpAck && flags != (kTcpAck | kTcpPsh)) return false;
  } else if (!udp) {
    return false;
  }
  return ChecksumsValid(data, p);
}

// Same addresses (and with_ports: protocol and ports) as the group's first packet.
bool SameFlow(const uint8_t* a, const L4Packet& la, const uint8_t* b, const L4Packet& lb) {
  if (la.version != lb.version || la.protocol != lb.protocol) return false;
  const size_t addr = la.address_length();
  if (std::memcmp(a + la.src_offset(), b + lb.src_offset(), 2 * addr) != 0) return false;
  return std::memcmp(a + la.ip_header, b + lb.ip_header, 4) == 0;
}

// Whether an unparsed packet could belong to a TCP/UDP flow: IPv4
// fragments and TCP/UDP, IPv6 with anything but ICMPv6 or no next header.
bool MayHideFlow(const PacketView& v) {
  if (v.length >= kIpv4MinHeader && (v.data[0] >> 4) == 4) {
    return (Load16(v.data + 6) & 0x3fff) != 0 || v.data[9] == kProtoTcp ||
           v.data[9] == kProtoUdp;
  }
  if (v.length >= kIpv6Header && (v.data[0] >> 4) == 6) {
    return v.data[6] != 58 && v.data[6] != 59;
  }
  return false;
}

}  // namespace

void Coalescer::Plan(const PacketView* packets, size_t count, bool tcp, bool udp) {
  groups_.clear();
  next_.assign(count, -1);
  for (uint32_t i = 0; i < count; ++i) {
    const PacketView& v = packets[i];
    L4Packet p;
    const bool parsed = ParseL4Packet(v.data, v.length, 0, 0, &p) && !p.ipv4_fragment;
    if (parsed) {
      // The newest group of this flow is the only one it may join.
      for (size_t g = groups_.size(); g-- > 0;) {
        CoalesceGroup& group = groups_[g];
        if (!group.has_flow ||
            !SameFlow(packets[group.head].data, group.layout, v.data, p)) {
          continue;
        }
        if (TryAppend(&group, packets, i, p)) goto next_packet;
        group.closed = true;
        break;
      }
    } else if (MayHideFlow(v)) {
      // A fragment, or TCP/UDP we could not parse, between two hosts: its
      // ports are unknown, so no earlier group between them may grow past it.
      const bool v4 = (v.data[0] >> 4) == 4;
      for (CoalesceGroup& group : groups_) {
        if (group.has_flow && group.layout.version == (v4 ? 4 : 6) &&
            std::memcmp(packets[group.head].data + (v4 ? 12 : 8), v.data + (v4 ? 12 : 8),
                        v4 ? 8 : 32) == 0) {
          group.closed = true;
        }
      }
    }
    {
      CoalesceGroup group;
      group.head = group.tail = i;
      group.count = 1;
      group.bytes = v.length;
      group.has_flow = parsed;
      if (parsed) {
        group.layout = p;
        group.payload = p.payload;
        group.mergeable = Eligible(v.data, p, tcp, udp);
        group.closed = !group.mergeable;
        if (p.protocol == kProtoTcp) {
          group.next_seq = Load32(v.data + p.ip_header + 4) + static_cast<uint32_t>(p.payload);
          if (v.data[p.ip_header + 13] & kTcpPsh) group.closed = true;
        }
        if (p.version == 4) group.next_ipv4_id = static_cast<uint16_t>(Load16(v.data + 4) + 1);
      } else {
        group.layout.version = static_cast<uint8_t>(v.length > 0 ? v.data[0] >> 4 : 0);
      }
      groups_.push_back(group);
    }
  next_packet:;
  }
}

bool Coalescer::TryAppend(CoalesceGroup* g, const PacketView* packets, uint32_t index,
                          const L4Packet& p) {
  if (g->closed || !g->mergeable) return false;
  const uint8_t* f = packets[g->head].data;
  const uint8_t* q = packets[index].data;
  const L4Packet& lf = g->layout;
  const size_t segment = lf.payload;
  if (p.ip_header != lf.ip_header || p.l4_header != lf.l4_header) return false;
  if (p.payload > segment || g->bytes + p.payload > kMaxIpPacket) return false;
  if (lf.version == 4) {
    // TOS (ECN included), flags/DF, TTL.
    if (f[1] != q[1] || (f[6] & 0x40) != (q[6] & 0x40) || f[8] != q[8]) return false;
    if (!(q[6] & 0x40) && Load16(q + 4) != g->next_ipv4_id) return false;
  } else {
    // Version, traffic class, flow label; hop limit.
    if (std::memcmp(f, q, 4) != 0 || f[7] != q[7]) return false;
  }
  if (!Eligible(q, p, lf.protocol == kProtoTcp, lf.protocol == kProtoUdp)) return false;
  const uint8_t* tf = f + lf.ip_header;
  const uint8_t* tq = q + p.ip_header;
  bool ends = p.payload < segment;
  if (lf.protocol == kProtoTcp) {
    if (Load32(tq + 4) != g->next_seq) return false;
    // Ack, then data offset and window (flags differ only in PSH, checked by Eligible).
    if (std::memcmp(tf + 8, tq + 8, 4) != 0 || tf[12] != tq[12] ||
        std::memcmp(tf + 14, tq + 14, 2) != 0) {
      return false;
    }
    if (std::memcmp(tf + kTcpMinHeader, tq + kTcpMinHeader, lf.l4_header - kTcpMinHeader) != 0) {
      return false;
    }
    if (tq[13] & kTcpPsh) ends = true;
  } else if (g->count >= kMaxUdpSegments) {
    return false;
  }
  CoalesceGroup* group = g;
  next_[group->tail] = static_cast<int32_t>(index);
  group->tail = index;
  group->count++;
  group->bytes += p.payload;
  group->payload += p.payload;
  group->next_seq += static_cast<uint32_t>(p.payload);
  group->next_ipv4_id++;
  if (ends) group->closed = true;
  return true;
}

void Coalescer::Build(size_t i, const PacketView* packets, uint8_t* out,
                      VirtioHeader* header) const {
  const CoalesceGroup& g = groups_[i];
  const L4Packet& lf = g.layout;
  const size_t header_length = lf.header_length();
  std::memcpy(out, packets[g.head].data, header_length);
  size_t at = header_length;
  uint8_t last_flags = 0;
  for (int32_t m = static_cast<int32_t>(g.head); m >= 0; m = next_[m]) {
    const PacketView& v = packets[m];
    std::memcpy(out + at, v.data + header_length, v.length - header_length);
    at += v.length - header_length;
    last_flags = v.data[lf.ip_header + 13];
  }
  SetIpLength(out, lf.version, at);
  if (lf.version == 4) SetIpv4HeaderChecksum(out, lf.ip_header);
  uint8_t* l4 = out + lf.ip_header;
  const uint32_t l4_length = static_cast<uint32_t>(at - lf.ip_header);
  if (lf.protocol == kProtoTcp) {
    l4[13] = static_cast<uint8_t>(l4[13] | (last_flags & kTcpPsh));
  } else {
    Store16(l4 + 4, static_cast<uint16_t>(l4_length));
  }
  // NEEDS_CSUM: the field holds the pseudo-header sum of the whole segment;
  // the kernel adds the rest per segment (or checks it on local delivery).
  Store16(l4 + L4ChecksumOffset(lf.protocol),
          ChecksumFold(PacketPseudoSum(out, lf, l4_length)));
  VirtioHeader h;
  h.flags = kVirtioNeedsCsum;
  h.gso_type = lf.protocol == kProtoUdp ? kGsoUdpL4 : (lf.version == 4 ? kGsoTcpV4 : kGsoTcpV6);
  h.hdr_len = static_cast<uint16_t>(header_length);
  h.gso_size = static_cast<uint16_t>(lf.payload);
  h.csum_start = static_cast<uint16_t>(lf.ip_header);
  h.csum_offset = static_cast<uint16_t>(L4ChecksumOffset(lf.protocol));
  *header = h;
}

}  // namespace offload
}  // namespace slipstream
