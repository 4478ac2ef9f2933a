// The native data path (Linux): two threads that carry transport data without
// the JavaScript loop, in the manner of boringtun's and wireguard-go's data
// planes. Outbound: TUN read (offloaded super-packets split) -> route by
// AllowedIPs -> counter -> seal -> one GSO sendmsg per run of equal-sized
// messages to an endpoint. Inbound: recvmmsg (GRO split) -> index lookup ->
// open -> replay window -> source check -> one coalescing TUN write per batch.
// Everything else (handshakes, cookies, packets for peers without a usable
// keypair) is declined to the TypeScript core, which also owns keys, counters'
// first values, timers and every protocol decision (peer_table.h).
#ifndef SLIPSTREAM_FASTPATH_FAST_PATH_H_
#define SLIPSTREAM_FASTPATH_FAST_PATH_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "../platform.h"
#include "declined_queue.h"
#include "peer_table.h"

namespace slipstream {
namespace wg {

struct FastPathOptions {
  NativeHandle tun = kInvalidHandle;  // the data path's own duplicates; it closes them
  TunOffloads offloads;
  UdpInfo udp;
  bool gso = true;
  size_t mtu = 1420;
};

class FastPath {
 public:
  // `wake` runs on a data path thread whenever there is something for the
  // loop thread to collect (declined packets, activity); it must not block.
  FastPath(const FastPathOptions& options, std::function<void()> wake);
  ~FastPath();
  FastPath(const FastPath&) = delete;
  FastPath& operator=(const FastPath&) = delete;

  int Start();
  // Joins the threads and closes the handles. Idempotent.
  void Stop();

  PeerTable& table() { return table_; }
  DeclinedQueue& declined_tun() { return declined_tun_; }
  DeclinedQueue& declined_udp() { return declined_udp_; }

  // The core's own transport messages (staged packets, keepalives), sealed
  // with the peer's send keypair and counter. 0, an errno, or -1 when the
  // peer has no keypair that may send.
  int Transmit(uint32_t peer_id, const uint8_t* packet, size_t length, size_t padded);

  uint64_t drops(Drop reason) const { return drops_[reason].load(std::memory_order_relaxed); }
  void Counters(TunCounters* tun, UdpCounters* udp);
  bool gso() const { return gso_.load(std::memory_order_relaxed); }

 private:
  struct Outbound;
  struct Inbound;

  void OutboundLoop();
  void InboundLoop();
  void ProcessTun(size_t count);
  void ProcessDatagrams(size_t count);
  // BatchHelper work: seal plans / open items [begin, end) of the current batch.
  static void SealPlans(void* outbound, size_t begin, size_t end);
  static void OpenItems(void* inbound, size_t begin, size_t end);
  int SendRun(const uint8_t* data, size_t length, size_t segment, const IpAddress& to,
              uint16_t port);
  bool WaitWritable(NativeHandle handle);
  void Count(Drop reason, uint64_t n = 1) {
    drops_[reason].fetch_add(n, std::memory_order_relaxed);
  }
  void Flag(PeerState* peer, uint32_t flags);
  // A thread's counters, copied where Counters() can read them.
  void PublishCounters(bool outbound);

  const FastPathOptions options_;
  std::function<void()> wake_;
  PeerTable table_;
  DeclinedQueue declined_tun_;
  DeclinedQueue declined_udp_;
  std::atomic<uint64_t> drops_[kDropCount] = {};
  std::atomic<bool> gso_{true};
  std::atomic<bool> stopping_{false};
  int stop_fd_ = -1;
  std::thread outbound_thread_;
  std::thread inbound_thread_;
  std::unique_ptr<Outbound> out_;
  std::unique_ptr<Inbound> in_;
  bool started_ = false;
  bool stopped_ = false;
  // Each thread's counters as last published (outbound, inbound), under counters_mutex_.
  struct Published {
    TunCounters tun;
    UdpCounters udp;
  };
  std::mutex counters_mutex_;
  Published published_[2];
  // The loop thread's Transmit: its own scratch buffer and counters.
  std::vector<uint8_t> transmit_buffer_;
  UdpCounters transmit_counters_;
};

}  // namespace wg
}  // namespace slipstream

#endif  // SLIPSTREAM_FASTPATH_FAST_PATH_H_
