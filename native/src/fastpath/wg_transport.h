// WireGuard transport data messages (whitepaper §5.4.6) for the native data
// path: the framing, padding and limits of app/tunnel/wireguard/transport.ts
// and constants.ts, with ChaCha20-Poly1305 from libsodium (a vetted library,
// linked from Debian's libsodium-dev; never hand-written). The TypeScript core
// stays the reference: test/unit/native/fast-path-aead.test.ts checks every
// result here against @noble/ciphers.
#ifndef SLIPSTREAM_FASTPATH_WG_TRANSPORT_H_
#define SLIPSTREAM_FASTPATH_WG_TRANSPORT_H_

#include <cstddef>
#include <cstdint>

namespace slipstream {
namespace wg {

constexpr uint32_t kMessageTransport = 4;
constexpr size_t kHeaderSize = 16;  // type, receiver index, counter
constexpr size_t kTagSize = 16;
constexpr size_t kMinMessage = kHeaderSize + kTagSize;
constexpr size_t kKeySize = 32;
constexpr size_t kPaddingMultiple = 16;
// The largest plaintext a message may carry (MAX_CONTENT_SIZE).
constexpr size_t kMaxContent = 65535 - kMinMessage;

// Protocol limits (constants.ts), in messages and nanoseconds.
constexpr uint64_t kRekeyAfterMessages = uint64_t{1} << 60;
constexpr uint64_t kRejectAfterMessages = ~uint64_t{0} - (uint64_t{1} << 13);
constexpr int64_t kRejectAfterTimeNs = int64_t{180} * 1000 * 1000 * 1000;

// Once per process, before any Seal/Open: false if libsodium cannot start
// (the caller then leaves the data path to JavaScript).
bool Init();

// Length of `length` bytes padded to a multiple of 16, never past the MTU
// (wireguard-go's calculatePaddingSize; paddedLength in transport.ts).
size_t PaddedLength(size_t length, size_t mtu);

// Build a complete message at `out` (kHeaderSize + padded + kTagSize bytes):
// the header, `packet` zero-padded to `padded` bytes, sealed. `packet` may not
// overlap `out`.
void Seal(const uint8_t key[kKeySize], uint32_t receiver, uint64_t counter, const uint8_t* packet,
          size_t length, size_t padded, uint8_t* out);

// Authenticate and decrypt message[0, length) in place (length >= kMinMessage):
// the padded plaintext is then message + kHeaderSize, length - kMinMessage bytes.
// False (and nothing usable) if the tag does not verify.
bool OpenInPlace(const uint8_t key[kKeySize], uint8_t* message, size_t length);

inline uint32_t ReadLe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

inline uint64_t ReadLe64(const uint8_t* p) {
  return static_cast<uint64_t>(ReadLe32(p)) | static_cast<uint64_t>(ReadLe32(p + 4)) << 32;
}

// The inner packet's own length (IPv4 total length, IPv6 payload length + 40)
// if it fits the `length` bytes present, else 0; and its IP version, 0 if none.
int IpVersion(const uint8_t* packet, size_t length);
size_t InnerLength(const uint8_t* packet, size_t length, int version);

}  // namespace wg
}  // namespace slipstream

#endif  // SLIPSTREAM_FASTPATH_WG_TRANSPORT_H_
