// The Internet checksum (RFC 1071) for the TUN offload code: sums of byte
// ranges kept unfolded so pieces can be added, then folded once.
#ifndef SLIPSTREAM_OFFLOAD_CHECKSUM_H_
#define SLIPSTREAM_OFFLOAD_CHECKSUM_H_

#include <cstddef>
#include <cstdint>

namespace slipstream {
namespace offload {

// Adds data[0, length) as big-endian 16-bit words to `sum`. An odd length is
// padded with a zero byte, so only the last range of a sum may be odd.
uint64_t ChecksumAdd(const uint8_t* data, size_t length, uint64_t sum);
// Folds a sum to 16 bits (not complemented).
uint16_t ChecksumFold(uint64_t sum);
// The TCP/UDP pseudo-header sum: 4-byte (IPv4) or 16-byte addresses.
uint64_t PseudoHeaderSum(const uint8_t* src, const uint8_t* dst, size_t address_length,
                         uint8_t protocol, uint32_t l4_length);
// The value for a checksum field: complement of the folded sum.
inline uint16_t ChecksumFinish(uint64_t sum) { return static_cast<uint16_t>(~ChecksumFold(sum)); }

}  // namespace offload
}  // namespace slipstream

#endif  // SLIPSTREAM_OFFLOAD_CHECKSUM_H_
