// The narrow seam between the TUN code and a Wintun session (or a fake one in
// tests). Everything above it (batching, full-ring handling, adapter-exists
// recovery: ring_batch.cc, adapter_recovery.cc) is plain C++ built on every
// platform, so its behaviour is unit-tested on Linux through test_ring.cc;
// only wintun_api.cc (Windows) talks to the real DLL.
#ifndef SLIPSTREAM_RING_PACKET_RING_H_
#define SLIPSTREAM_RING_PACKET_RING_H_

#include <cstddef>
#include <cstdint>

namespace slipstream {

// Outcome of a ring operation, mapped from Wintun's last-error values
// (ERROR_NO_MORE_ITEMS, ERROR_BUFFER_OVERFLOW, ERROR_HANDLE_EOF, ...).
enum class RingStatus {
  kOk,
  kEmpty,   // nothing to receive right now
  kFull,    // no room to allocate a send packet right now
  kClosed,  // the adapter is going away
  kError,   // anything else (a corrupt ring: ERROR_INVALID_DATA)
};

class PacketRing {
 public:
  virtual ~PacketRing() = default;
  // The next received packet, valid until ReleaseReceived(packet).
  virtual RingStatus Receive(const uint8_t** packet, uint32_t* length) = 0;
  virtual void ReleaseReceived(const uint8_t* packet) = 0;
  // Room for one packet of `length` bytes, to be filled and passed to Send.
  virtual RingStatus Allocate(uint32_t length, uint8_t** packet) = 0;
  virtual void Send(uint8_t* packet) = 0;
  // Gives up the CPU while the ring is full (SwitchToThread on Windows).
  // (Not "Yield": winbase.h defines that as a macro.)
  virtual void Backoff() = 0;
};

}  // namespace slipstream

#endif  // SLIPSTREAM_RING_PACKET_RING_H_
