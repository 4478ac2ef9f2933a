// Packets the native data path leaves to the TypeScript core (TUN packets for
// peers without a usable keypair, handshake and cookie messages), held until
// the loop thread collects them. Bounded: past its limits a packet is dropped
// and the caller counts it, so a flood cannot make the helper hold more.
#ifndef SLIPSTREAM_FASTPATH_DECLINED_QUEUE_H_
#define SLIPSTREAM_FASTPATH_DECLINED_QUEUE_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

namespace slipstream {
namespace wg {

struct DeclinedEntry {
  uint32_t offset = 0;
  uint32_t length = 0;
  uint8_t family = 0;  // datagrams: the sender, as in a DatagramBatch
  uint16_t port = 0;
  uint8_t addr[16] = {};
};

class DeclinedQueue {
 public:
  DeclinedQueue(size_t max_entries, size_t max_bytes)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  // False when full, or already holding `limit` entries (nothing kept): a caller keeps
  // room for one kind of packet by giving the others a lower limit.
  bool Push(const uint8_t* data, size_t length, uint8_t family, const uint8_t* addr,
            uint16_t port, size_t limit) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.size() >= std::min(limit, max_entries_) ||
        bytes_.size() + length > max_bytes_) {
      return false;
    }
    DeclinedEntry entry;
    entry.offset = static_cast<uint32_t>(bytes_.size());
    entry.length = static_cast<uint32_t>(length);
    entry.family = family;
    entry.port = port;
    if (addr != nullptr) std::memcpy(entry.addr, addr, 16);
    bytes_.insert(bytes_.end(), data, data + length);
    entries_.push_back(entry);
    return true;
  }

  // Everything queued, in order; the queue is empty afterwards.
  void Take(std::vector<uint8_t>* bytes, std::vector<DeclinedEntry>* entries) {
    bytes->clear();
    entries->clear();
    std::lock_guard<std::mutex> lock(mutex_);
    bytes->swap(bytes_);
    entries->swap(entries_);
  }

 private:
  const size_t max_entries_;
  const size_t max_bytes_;
  std::mutex mutex_;
  std::vector<uint8_t> bytes_;
  std::vector<DeclinedEntry> entries_;
};

}  // namespace wg
}  // namespace slipstream

#endif  // SLIPSTREAM_FASTPATH_DECLINED_QUEUE_H_
