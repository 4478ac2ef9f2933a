// The inbound thread: recvmmsg/GRO -> index -> open -> replay -> source check -> TUN.
#include <poll.h>

#include <cerrno>

#include "fast_path_internal.h"

namespace slipstream {
namespace wg {

// ---------------------------------------------------------------- inbound

void FastPath::OpenItems(void* inbound, size_t begin, size_t end) {
  Inbound& in = *static_cast<Inbound*>(inbound);
  for (size_t i = begin; i < end; ++i) {
    Inbound::Item& item = in.items[i];
    uint8_t* data = in.arena.data() + in.offsets[item.entry];
    item.opened = OpenInPlace(item.key->key, data, in.lengths[item.entry]);
  }
}

void FastPath::InboundLoop() {
  const NativeHandle sockets[2] = {options_.udp.v4, options_.udp.v6};
  pollfd fds[3] = {{sockets[0], POLLIN, 0}, {sockets[1], POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  int error_wakeups = 0;
  while (!stopping_.load(std::memory_order_relaxed)) {
    bool any = false;
    bool failed = false;
    for (NativeHandle handle : sockets) {
      if (handle == kInvalidHandle) continue;
      size_t buffers = 0;
      const int err = in_->receiver->Receive(handle, kBatchCapacity, &buffers, &in_->udp);
      if (err != 0 && err != EAGAIN && err != EINTR) failed = true;
      if (buffers == 0) continue;
      any = true;
      size_t entries;
      while ((entries = in_->receiver->NextEntries(&in_->udp)) > 0) ProcessDatagrams(entries);
    }
    PublishCounters(false);
    if (any) {
      error_wakeups = 0;
      continue;
    }
    error_wakeups = failed ? error_wakeups + 1 : 0;
    if (error_wakeups >= kErrorWakeups) {
      if (BackOff(stop_fd_)) break;
      continue;
    }
    const int ready = poll(fds, 3, -1);
    if (ready > 0 && (fds[2].revents & POLLIN) != 0) break;
  }
  PublishCounters(false);
}

void FastPath::ProcessDatagrams(size_t count) {
  Inbound& in = *in_;
  in.items.clear();
  in.holds.clear();
  in.write_offsets.clear();
  in.write_lengths.clear();
  bool declined = false;
  const int64_t now = MonotonicNs();
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(table_.mutex());
    generation = table_.generation();
    uint32_t last_index = 0;
    ReceiveKeypair* last_key = nullptr;
    for (size_t e = 0; e < count; ++e) {
      const uint8_t* data = in.arena.data() + in.offsets[e];
      const size_t length = in.lengths[e];
      const uint32_t type = length >= 4 ? ReadLe32(data) : 0;
      if (type == kMessageTransport && length >= kMinMessage) {
        const uint32_t index = ReadLe32(data + 4);
        ReceiveKeypair* key = last_key;
        if (key == nullptr || index != last_index) {
          std::shared_ptr<ReceiveKeypair> hold;
          key = table_.FindReceiving(index, &hold);
          if (key != nullptr) in.holds.push_back(std::move(hold));
          last_key = key;
          last_index = index;
        }
        if (key == nullptr) {
          Count(kDropUnknownIndex);
        } else if (now - key->created_ns >= kRejectAfterTimeNs ||
                   ReadLe64(data + 8) >= kRejectAfterMessages) {
          Count(kDropExpired);
        } else if (!key->replay.WouldAccept(ReadLe64(data + 8))) {
          // A replay costs no decryption (Validate, after it, still decides).
          Count(kDropReplay);
        } else {
          in.items.push_back({key, static_cast<uint32_t>(e), false});
        }
      } else if (IsHandshakeMessage(type, length)) {
        // Handshake initiation, response, cookie reply: the core's. A flood of initiations
        // may not take the last quarter of the queue, kept for the answers to our own.
        const size_t limit = type == 1 ? kDeclinedEntries * 3 / 4 : kDeclinedEntries;
        if (declined_udp_.Push(data, length, in.families[e], in.addrs.data() + 16 * e,
                               in.ports[e], limit)) {
          declined = true;
        } else {
          Count(kDropHandshakeQueueFull);
        }
      } else {
        Count(kDropMalformed);
      }
    }
  }
  if (declined) wake_();

  in.helper.Run(&FastPath::OpenItems, &in, in.items.size());
  size_t opened = 0;
  for (const Inbound::Item& item : in.items) {
    if (item.opened) {
      in.items[opened++] = item;
    } else {
      Count(kDropDecrypt);
    }
  }
  in.items.resize(opened);

  {
    std::lock_guard<std::mutex> lock(table_.mutex());
    // The core may have retired a keypair while the batch was being opened (and wiped
    // its copy): then only what it still lists may deliver.
    const bool changed = table_.generation() != generation;
    for (const Inbound::Item& item : in.items) {
      const uint32_t e = item.entry;
      const uint8_t* data = in.arena.data() + in.offsets[e];
      const size_t length = in.lengths[e];
      std::shared_ptr<ReceiveKeypair> current;
      if (changed && table_.FindReceiving(item.key->local_index, &current) != item.key) {
        Count(kDropUnknownIndex);
        continue;
      }
      if (!item.key->replay.Validate(ReadLe64(data + 8))) {
        Count(kDropReplay);
        continue;
      }
      const auto* found = table_.FindPeer(item.key->peer_id);
      if (found == nullptr) {
        Count(kDropUnknownIndex);
        continue;
      }
      PeerState* peer = found->get();
      uint32_t flags = kReceivedAny;
      const uint8_t* from = in.addrs.data() + 16 * e;
      if (!peer->has_endpoint || peer->port != in.ports[e] ||
          !SameAddress(peer->endpoint, in.families[e], from)) {
        // Roaming: an authenticated message from elsewhere moves the endpoint.
        peer->has_endpoint = true;
        peer->endpoint = IpAddress{};
        peer->endpoint.family = in.families[e];
        std::memcpy(peer->endpoint.bytes, from, in.families[e] == 4 ? 4 : 16);
        peer->port = in.ports[e];
        flags |= kEndpointMoved;
      }
      if (item.key->next) {
        peer->next_index.store(item.key->local_index, std::memory_order_relaxed);
        flags |= kNextUsed;
      }
      peer->rx_bytes.fetch_add(length, std::memory_order_relaxed);
      peer->rx_packets.fetch_add(1, std::memory_order_relaxed);
      const uint8_t* plaintext = data + kHeaderSize;
      const size_t padded = length - kMinMessage;
      if (padded > 0) flags |= kReceivedData;
      Flag(peer, flags);
      if (padded == 0) continue;  // a keepalive
      const int version = IpVersion(plaintext, padded);
      const size_t inner = version == 0 ? 0 : InnerLength(plaintext, padded, version);
      if (inner == 0) {
        Count(kDropMalformed);
        continue;
      }
      const auto* owner = table_.Route(plaintext + (version == 4 ? 12 : 8), version);
      if (owner == nullptr || owner->get() != peer) {
        Count(kDropSourceNotAllowed);
        continue;
      }
      in.write_offsets.push_back(in.offsets[e] + static_cast<uint32_t>(kHeaderSize));
      in.write_lengths.push_back(static_cast<uint32_t>(inner));
    }
  }
  if (!in.write_offsets.empty()) {
    in.io->WriteBatch(options_.tun, in.arena.data(), in.write_offsets.data(),
                      in.write_lengths.data(), in.write_offsets.size(), &in.tun);
  }
}

}  // namespace wg
}  // namespace slipstream
