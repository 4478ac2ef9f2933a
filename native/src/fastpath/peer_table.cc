#include "peer_table.h"

#include <sodium.h>
#include <time.h>

#include <algorithm>
#include <cstring>

namespace slipstream {
namespace wg {
namespace {

bool Matches(const Prefix& prefix, const uint8_t* address) {
  const size_t whole = prefix.length / 8;
  if (std::memcmp(prefix.bytes, address, whole) != 0) return false;
  const unsigned rest = prefix.length % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address[whole] & mask) == prefix.bytes[whole];
}

bool SamePrefix(const Prefix& a, const Prefix& b) {
  return a.family == b.family && a.length == b.length && std::memcmp(a.bytes, b.bytes, 16) == 0;
}

}  // namespace

SendKeypair::~SendKeypair() { sodium_memzero(key, sizeof key); }
ReceiveKeypair::~ReceiveKeypair() { sodium_memzero(key, sizeof key); }

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void PeerTable::SetPeer(uint32_t id, bool has_endpoint, const IpAddress& endpoint, uint16_t port,
                        const std::vector<Prefix>& prefixes) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::shared_ptr<PeerState>& peer = peers_[id];
  if (!peer) {
    peer = std::make_shared<PeerState>();
    peer->id = id;
  }
  peer->has_endpoint = has_endpoint;
  peer->endpoint = endpoint;
  peer->port = port;
  for (auto& routes : routes_) {
    routes.erase(std::remove_if(routes.begin(), routes.end(),
                                [&](const Prefix& r) {
                                  if (r.peer_id == id) return true;
                                  for (const Prefix& p : prefixes) {
                                    if (SamePrefix(p, r)) return true;
                                  }
                                  return false;
                                }),
                 routes.end());
  }
  for (const Prefix& p : prefixes) {
    Prefix route = p;
    route.peer_id = id;
    routes_[p.family == 4 ? 0 : 1].push_back(route);
  }
  for (auto& routes : routes_) {
    std::stable_sort(routes.begin(), routes.end(),
                     [](const Prefix& a, const Prefix& b) { return a.length > b.length; });
  }
  ++generation_;
}

void PeerTable::RemovePeer(uint32_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  peers_.erase(id);
  for (auto& routes : routes_) {
    routes.erase(std::remove_if(routes.begin(), routes.end(),
                                [&](const Prefix& r) { return r.peer_id == id; }),
                 routes.end());
  }
  for (auto it = receiving_.begin(); it != receiving_.end();) {
    it = it->second->peer_id == id ? receiving_.erase(it) : std::next(it);
  }
  ++generation_;
}

void PeerTable::SetKeypairs(uint32_t id, const PublishedKeypair* send,
                            const PublishedKeypair* receiving, size_t receiving_count) {
  const int64_t now = MonotonicNs();
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = peers_.find(id);
  if (found == peers_.end()) return;
  PeerState& peer = *found->second;
  const bool unchanged = send != nullptr && peer.send &&
                         peer.send->local_index == send->local_index &&
                         std::memcmp(peer.send->key, send->keys.send, kKeySize) == 0;
  if (!unchanged) {
    // The native counter runs ahead of the core's (it seals most packets), so a keypair
    // seen before continues past every counter used under its index.
    uint64_t counter = send != nullptr ? send->counter : 0;
    if (peer.send) {
      peer.retired[peer.retired_next] = {peer.send->local_index, peer.send->counter};
      peer.retired_next = (peer.retired_next + 1) % peer.retired.size();
    }
    if (send != nullptr) {
      for (const PeerState::Retired& r : peer.retired) {
        if (r.local_index == send->local_index) counter = std::max(counter, r.counter);
      }
    }
    peer.send.reset();
    if (send != nullptr) {
      auto keypair = std::make_shared<SendKeypair>();
      std::memcpy(keypair->key, send->keys.send, kKeySize);
      keypair->local_index = send->local_index;
      keypair->remote_index = send->remote_index;
      keypair->counter = counter;
      keypair->created_ns = now - send->age_ns;
      peer.send = std::move(keypair);
    }
  }
  for (auto it = receiving_.begin(); it != receiving_.end();) {
    bool keep = it->second->peer_id != id;
    for (size_t i = 0; !keep && i < receiving_count; ++i) {
      keep = receiving[i].local_index == it->first;
    }
    it = keep ? std::next(it) : receiving_.erase(it);
  }
  for (size_t i = 0; i < receiving_count; ++i) {
    const PublishedKeypair& k = receiving[i];
    std::shared_ptr<ReceiveKeypair>& slot = receiving_[k.local_index];
    if (!slot || slot->peer_id != id) {
      slot = std::make_shared<ReceiveKeypair>();
      std::memcpy(slot->key, k.keys.receive, kKeySize);
      slot->local_index = k.local_index;
      slot->peer_id = id;
      slot->created_ns = now - k.age_ns;
    }
    slot->next = k.next;
  }
  ++generation_;
}

std::vector<std::shared_ptr<PeerState>> PeerTable::Peers() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<PeerState>> all;
  all.reserve(peers_.size());
  for (auto& entry : peers_) all.push_back(entry.second);
  return all;
}

std::shared_ptr<PeerState> PeerTable::Peer(uint32_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = peers_.find(id);
  return found == peers_.end() ? nullptr : found->second;
}

const std::shared_ptr<PeerState>* PeerTable::Route(const uint8_t* address, int version) const {
  for (const Prefix& prefix : routes_[version == 4 ? 0 : 1]) {
    if (Matches(prefix, address)) return FindPeer(prefix.peer_id);
  }
  return nullptr;
}

const std::shared_ptr<PeerState>* PeerTable::FindPeer(uint32_t id) const {
  auto found = peers_.find(id);
  return found == peers_.end() ? nullptr : &found->second;
}

ReceiveKeypair* PeerTable::FindReceiving(uint32_t local_index,
                                         std::shared_ptr<ReceiveKeypair>* hold) {
  auto found = receiving_.find(local_index);
  if (found == receiving_.end()) return nullptr;
  *hold = found->second;
  return found->second.get();
}

}  // namespace wg
}  // namespace slipstream
