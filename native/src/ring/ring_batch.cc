#include "ring_batch.h"

#include <cstring>

namespace slipstream {

DrainResult DrainBatch(PacketRing& ring, uint8_t* arena, size_t slot_size, uint32_t* lengths,
                       size_t max, RingCounters* counters) {
  DrainResult result;
  while (result.count < max) {
    const uint8_t* packet = nullptr;
    uint32_t length = 0;
    const RingStatus status = ring.Receive(&packet, &length);
    if (status != RingStatus::kOk) {
      result.stop = status;
      return result;
    }
    if (length > slot_size) {
      // Released without a copy: a truncated IP packet is worse than none.
      ++counters->receive_oversize;
      ring.ReleaseReceived(packet);
      continue;
    }
    std::memcpy(arena + result.count * slot_size, packet, length);
    lengths[result.count] = length;
    ring.ReleaseReceived(packet);
    ++result.count;
    ++counters->received;
  }
  result.stop = RingStatus::kOk;
  return result;
}

RingStatus SendPacket(PacketRing& ring, const uint8_t* packet, uint32_t length,
                      const SendBudget& budget, RingCounters* counters) {
  const uint64_t attempts = 1ull + budget.spins + budget.yields;
  for (uint64_t attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > budget.spins) ring.Backoff();
    uint8_t* slot = nullptr;
    const RingStatus status = ring.Allocate(length, &slot);
    if (status == RingStatus::kOk) {
      std::memcpy(slot, packet, length);
      ring.Send(slot);
      ++counters->sent;
      if (attempt > 0) ++counters->send_full_waits;
      return RingStatus::kOk;
    }
    if (status != RingStatus::kFull) return status;
  }
  ++counters->send_full_drops;
  return RingStatus::kFull;
}

}  // namespace slipstream
