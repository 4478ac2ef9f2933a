// struct virtio_net_hdr, the 10-byte header in front of every packet read
// from or written to a TUN opened with IFF_VNET_HDR. Fields are in host byte
// order (the TUN default without TUNSETVNETLE/BE on a little-endian host).
#ifndef SLIPSTREAM_OFFLOAD_VIRTIO_HEADER_H_
#define SLIPSTREAM_OFFLOAD_VIRTIO_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace slipstream {
namespace offload {

constexpr size_t kVirtioHeaderSize = 10;

constexpr uint8_t kVirtioNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr uint8_t kVirtioDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID

constexpr uint8_t kGsoNone = 0;
constexpr uint8_t kGsoTcpV4 = 1;
constexpr uint8_t kGsoUdp = 3;  // UFO: IP fragmentation, never offered by us
constexpr uint8_t kGsoTcpV6 = 4;
constexpr uint8_t kGsoUdpL4 = 5;
constexpr uint8_t kGsoEcn = 0x80;

struct VirtioHeader {
  uint8_t flags = 0;
  uint8_t gso_type = 0;
  uint16_t hdr_len = 0;
  uint16_t gso_size = 0;
  uint16_t csum_start = 0;
  uint16_t csum_offset = 0;
};

inline VirtioHeader DecodeVirtioHeader(const uint8_t* in) {
  VirtioHeader h;
  h.flags = in[0];
  h.gso_type = in[1];
  std::memcpy(&h.hdr_len, in + 2, 2);
  std::memcpy(&h.gso_size, in + 4, 2);
  std::memcpy(&h.csum_start, in + 6, 2);
  std::memcpy(&h.csum_offset, in + 8, 2);
  return h;
}

inline void EncodeVirtioHeader(const VirtioHeader& h, uint8_t* out) {
  out[0] = h.flags;
  out[1] = h.gso_type;
  std::memcpy(out + 2, &h.hdr_len, 2);
  std::memcpy(out + 4, &h.gso_size, 2);
  std::memcpy(out + 6, &h.csum_start, 2);
  std::memcpy(out + 8, &h.csum_offset, 2);
}

}  // namespace offload
}  // namespace slipstream

#endif  // SLIPSTREAM_OFFLOAD_VIRTIO_HEADER_H_
