// Sliding-window replay protection for one receiving keypair, after RFC 6479:
// the same window as app/tunnel/wireguard/replay.ts (a ring of 256 32-bit
// words; counters up to 8160 behind the newest are judged one by one), so both
// data paths accept exactly the same counters. test/unit/native/fast-path-
// crypto.test.ts runs both on the same sequences.
#ifndef SLIPSTREAM_FASTPATH_REPLAY_WINDOW_H_
#define SLIPSTREAM_FASTPATH_REPLAY_WINDOW_H_

#include <cstdint>
#include <cstring>

#include "wg_transport.h"

namespace slipstream {
namespace wg {

class ReplayWindow {
 public:
  static constexpr uint64_t kWordBits = 32;
  static constexpr uint64_t kRingWords = 256;
  static constexpr uint64_t kWindow = (kRingWords - 1) * kWordBits;

  // Whether Validate would accept the counter now, recording nothing: checked before
  // spending a decryption on a message; Validate still has the final word.
  bool WouldAccept(uint64_t counter) const {
    if (counter >= kRejectAfterMessages) return false;
    if (counter > last_) return true;
    if (last_ - counter > kWindow) return false;
    const uint32_t bit = uint32_t{1} << (counter % kWordBits);
    return (ring_[(counter / kWordBits) % kRingWords] & bit) == 0;
  }

  // Accepts (and records) a counter not seen before and not too old. Only for
  // messages that already authenticated.
  bool Validate(uint64_t counter) {
    if (counter >= kRejectAfterMessages) return false;
    const uint64_t word_index = counter / kWordBits;
    if (counter > last_) {
      const uint64_t current = last_ / kWordBits;
      uint64_t ahead = word_index - current;
      if (ahead > kRingWords) ahead = kRingWords;
      for (uint64_t i = 1; i <= ahead; ++i) ring_[(current + i) % kRingWords] = 0;
      last_ = counter;
    } else if (last_ - counter > kWindow) {
      return false;
    }
    uint32_t& word = ring_[word_index % kRingWords];
    const uint32_t bit = uint32_t{1} << (counter % kWordBits);
    if ((word & bit) != 0) return false;
    word |= bit;
    return true;
  }

 private:
  uint64_t last_ = 0;
  uint32_t ring_[kRingWords] = {};
};

}  // namespace wg
}  // namespace slipstream

#endif  // SLIPSTREAM_FASTPATH_REPLAY_WINDOW_H_
