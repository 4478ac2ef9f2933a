#include "wg_transport.h"

#include <sodium.h>

#include <cstring>

namespace slipstream {
namespace wg {
namespace {

// The transport nonce: 32 zero bits, then the counter little-endian.
void Nonce(uint64_t counter, uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES]) {
  std::memset(nonce, 0, 4);
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<uint8_t>(counter >> (8 * i));
}

void WriteLe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

bool Init() { return sodium_init() >= 0; }

size_t PaddedLength(size_t length, size_t mtu) {
  if (mtu == 0) return (length + kPaddingMultiple - 1) & ~(kPaddingMultiple - 1);
  size_t last = length;
  if (last > mtu) last %= mtu;
  size_t padded = (last + kPaddingMultiple - 1) & ~(kPaddingMultiple - 1);
  if (padded > mtu) padded = mtu;
  return length + (padded - last);
}

void Seal(const uint8_t key[kKeySize], uint32_t receiver, uint64_t counter, const uint8_t* packet,
          size_t length, size_t padded, uint8_t* out) {
  WriteLe32(out, kMessageTransport);
  WriteLe32(out + 4, receiver);
  WriteLe32(out + 8, static_cast<uint32_t>(counter));
  WriteLe32(out + 12, static_cast<uint32_t>(counter >> 32));
  uint8_t* body = out + kHeaderSize;
  std::memcpy(body, packet, length);
  std::memset(body + length, 0, padded - length);
  uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
  Nonce(counter, nonce);
  // In place (the message and the ciphertext start at the same byte), which libsodium allows.
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(body, body + padded, nullptr, body, padded,
                                                     nullptr, 0, nullptr, nonce, key);
}

bool OpenInPlace(const uint8_t key[kKeySize], uint8_t* message, size_t length) {
  if (length < kMinMessage) return false;
  uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
  Nonce(ReadLe64(message + 8), nonce);
  uint8_t* body = message + kHeaderSize;
  const size_t body_length = length - kMinMessage;
  // libsodium checks the tag before it decrypts anything.
  return crypto_aead_chacha20poly1305_ietf_decrypt_detached(body, nullptr, body, body_length,
                                                            body + body_length, nullptr, 0, nonce,
                                                            key) == 0;
}

int IpVersion(const uint8_t* packet, size_t length) {
  if (length == 0) return 0;
  const int v = packet[0] >> 4;
  if (v == 4) return length >= 20 ? 4 : 0;
  if (v == 6) return length >= 40 ? 6 : 0;
  return 0;
}

size_t InnerLength(const uint8_t* packet, size_t length, int version) {
  if (version == 4) {
    const size_t total = static_cast<size_t>(packet[2]) << 8 | packet[3];
    return total >= 20 && total <= length ? total : 0;
  }
  const size_t total = (static_cast<size_t>(packet[4]) << 8 | packet[5]) + 40;
  return total <= length ? total : 0;
}

}  // namespace wg
}  // namespace slipstream
