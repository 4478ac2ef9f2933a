// What the native data path may do without asking JavaScript: per peer, its
// endpoint, AllowedIPs and the keypair it sends with; per local index, the
// keypairs that receive. The TypeScript core (app/tunnel/wireguard/device.ts)
// stays the authority: it publishes every change here synchronously, before
// the change can matter on the wire (a new keypair before the handshake
// message that lets the peer use it leaves). What the data path sees happen
// goes back as per-peer activity flags (the core's timers run on them).
//
// One mutex guards the tables; the data path threads take it per batch, never
// around crypto or system calls. Keypairs are shared_ptrs so a batch can
// finish sealing or opening with a key the core retired meanwhile; keys are
// wiped when the last holder lets go.
#ifndef SLIPSTREAM_FASTPATH_PEER_TABLE_H_
#define SLIPSTREAM_FASTPATH_PEER_TABLE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "../platform.h"
#include "replay_window.h"
#include "wg_transport.h"

namespace slipstream {
namespace wg {

// Activity flags, per peer, cleared when JavaScript collects them.
enum ActivityFlag : uint32_t {
  kSentAny = 1,        // transport messages left for the peer
  kSentData = 2,       // ... at least one with data (not a keepalive)
  kReceivedAny = 4,    // an authenticated transport message arrived
  kReceivedData = 8,   // ... at least one with data
  kEndpointMoved = 16, // it came from a new address: the endpoint now points there
  kNextUsed = 32,      // it used the responder's unconfirmed keypair (next_index)
  kRekeyMessages = 64, // the send counter passed REKEY_AFTER_MESSAGES
};

// Why the data path dropped something; names in fast_path_bindings.cc follow
// DropReason in app/tunnel/wireguard/types.ts.
enum Drop : uint32_t {
  kDropNoRoute,
  kDropMalformed,
  kDropDecrypt,
  kDropUnknownIndex,
  kDropReplay,
  kDropExpired,
  kDropSourceNotAllowed,
  kDropQueueFull,
  kDropHandshakeQueueFull,
  kDropCount,
};

struct Keys {
  uint8_t send[kKeySize];
  uint8_t receive[kKeySize];
};

struct SendKeypair {
  uint8_t key[kKeySize];
  uint32_t local_index = 0;
  uint32_t remote_index = 0;
  uint64_t counter = 0;  // next to use; guarded by the table's mutex
  int64_t created_ns = 0;
  ~SendKeypair();
};

struct ReceiveKeypair {
  uint8_t key[kKeySize];
  uint32_t local_index = 0;
  uint32_t peer_id = 0;
  int64_t created_ns = 0;
  bool next = false;  // the responder's keypair, not yet confirmed
  ReplayWindow replay;  // guarded by the table's mutex
  ~ReceiveKeypair();
};

struct PeerState {
  uint32_t id = 0;
  bool has_endpoint = false;
  IpAddress endpoint;
  uint16_t port = 0;
  std::shared_ptr<SendKeypair> send;
  // The last send keypairs replaced, with the counter each had reached: a keypair the
  // core publishes again continues from there, so no nonce is ever used twice.
  struct Retired {
    uint32_t local_index = 0;
    uint64_t counter = 0;
  };
  std::array<Retired, 4> retired{};
  size_t retired_next = 0;
  // Read by the loop thread without the mutex.
  std::atomic<uint32_t> flags{0};
  std::atomic<uint32_t> next_index{0};
  std::atomic<uint64_t> rx_bytes{0}, rx_packets{0}, tx_bytes{0}, tx_packets{0};
};

struct Prefix {
  uint8_t family = 4;
  uint8_t length = 0;
  uint8_t bytes[16] = {};
  uint32_t peer_id = 0;
};

// A keypair as the core publishes it: ages instead of its clock's times.
struct PublishedKeypair {
  uint32_t local_index = 0;
  uint32_t remote_index = 0;
  Keys keys;
  uint64_t counter = 0;
  int64_t age_ns = 0;
  bool next = false;
};

int64_t MonotonicNs();

class PeerTable {
 public:
  std::mutex& mutex() { return mutex_; }

  // ---- the core's side (loop thread), each taking the mutex itself.
  // Replaces the peer's endpoint (has_endpoint false: none) and AllowedIPs;
  // an identical prefix of another peer moves to this one, as in allowed-ips.ts.
  void SetPeer(uint32_t id, bool has_endpoint, const IpAddress& endpoint, uint16_t port,
               const std::vector<Prefix>& prefixes);
  void RemovePeer(uint32_t id);
  // The peer's keypairs: `send` (or null) sends; every one given receives.
  // A keypair already known by local index keeps its counter and replay window.
  void SetKeypairs(uint32_t id, const PublishedKeypair* send, const PublishedKeypair* receiving,
                   size_t receiving_count);
  // Peers in the table now (for collecting activity without holding the mutex long).
  std::vector<std::shared_ptr<PeerState>> Peers();
  std::shared_ptr<PeerState> Peer(uint32_t id);

  // ---- the data path's side: call with the mutex held.
  // The peer owning `address` by AllowedIPs, or null; the pointer is the table's,
  // valid while the mutex is held (copy it to keep the peer longer).
  const std::shared_ptr<PeerState>* Route(const uint8_t* address, int version) const;
  const std::shared_ptr<PeerState>* FindPeer(uint32_t id) const;
  ReceiveKeypair* FindReceiving(uint32_t local_index, std::shared_ptr<ReceiveKeypair>* hold);
  // Bumped on every change, so lookups cached outside the mutex can tell.
  uint64_t generation() const { return generation_; }

 private:
  std::mutex mutex_;
  std::unordered_map<uint32_t, std::shared_ptr<PeerState>> peers_;
  std::unordered_map<uint32_t, std::shared_ptr<ReceiveKeypair>> receiving_;
  // Longest prefix first, so the first match wins.
  std::vector<Prefix> routes_[2];
  uint64_t generation_ = 0;
};

}  // namespace wg
}  // namespace slipstream

#endif  // SLIPSTREAM_FASTPATH_PEER_TABLE_H_
