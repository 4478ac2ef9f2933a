// Batching on top of a PacketRing: the receive side fills the same arena and
// lengths arrays a TUN read fills (see TunIo::ReadBatch in platform.h),
// the send side copies one packet into the ring, waiting a bounded time when
// the ring is full and dropping (counted) after that.
#ifndef SLIPSTREAM_RING_RING_BATCH_H_
#define SLIPSTREAM_RING_RING_BATCH_H_

#include <cstddef>
#include <cstdint>

#include "packet_ring.h"

namespace slipstream {

struct RingCounters {
  uint64_t received = 0;
  // Received packets longer than a slot (impossible with Wintun's 0xFFFF
  // limit, but the arena must never overflow on a broken ring).
  uint64_t receive_oversize = 0;
  uint64_t sent = 0;
  // Packets dropped because the ring stayed full for the whole budget.
  uint64_t send_full_drops = 0;
  // Sends that found the ring full at first and got room while waiting.
  uint64_t send_full_waits = 0;
};

// How long a writer waits for a full ring: `spins` immediate retries, then
// `yields` retries each after a Backoff(). With a 16 MiB ring a full ring means
// the reader (the Windows stack) is far behind; waiting longer than this
// would only stall the crypto path that calls us, so the packet is dropped,
// as a NIC drops on a full TX queue.
struct SendBudget {
  uint32_t spins = 64;
  uint32_t yields = 16;
};

struct DrainResult {
  size_t count = 0;
  // Why the drain stopped: kOk when `max` packets were taken (more may be
  // waiting), kEmpty when the ring ran dry, kClosed/kError on failure.
  RingStatus stop = RingStatus::kOk;
};

// Take up to `max` packets from the ring: packet i into arena + i*slot_size,
// its length in lengths[i]. Every packet is released back to the ring.
DrainResult DrainBatch(PacketRing& ring, uint8_t* arena, size_t slot_size, uint32_t* lengths,
                       size_t max, RingCounters* counters);

// Copy one packet into the ring. kOk when sent; kFull when dropped after the
// budget ran out; kClosed/kError otherwise (also counted as not sent).
RingStatus SendPacket(PacketRing& ring, const uint8_t* packet, uint32_t length,
                      const SendBudget& budget, RingCounters* counters);

}  // namespace slipstream

#endif  // SLIPSTREAM_RING_RING_BATCH_H_
