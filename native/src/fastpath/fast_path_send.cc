// The outbound thread: TUN batch -> route -> counter -> seal -> GSO runs.
#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "fast_path_internal.h"

namespace slipstream {
namespace wg {

// ---------------------------------------------------------------- outbound

void FastPath::OutboundLoop() {
  pollfd fds[2] = {{options_.tun, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  int error_wakeups = 0;
  while (!stopping_.load(std::memory_order_relaxed)) {
    size_t count = 0;
    const int err = out_->io->ReadBatch(options_.tun, out_->slots, &count, &out_->tun);
    if (count > 0) ProcessTun(count);
    PublishCounters(true);
    if (err == 0 && count > 0) continue;  // the batch filled up: there may be more
    const bool failed = err != 0 && err != EAGAIN && count == 0;
    error_wakeups = failed ? error_wakeups + 1 : 0;
    if (error_wakeups >= kErrorWakeups) {
      if (BackOff(stop_fd_)) break;
      continue;
    }
    // Drained (EAGAIN), or an error such as the link going down: wait for news.
    const int ready = poll(fds, 2, failed ? kErrorBackoffMs : -1);
    if (ready > 0 && (fds[1].revents & POLLIN) != 0) break;
  }
  PublishCounters(true);
}

void FastPath::ProcessTun(size_t count) {
  Outbound& o = *out_;
  o.plans.clear();
  o.peer_holds.clear();
  o.key_holds.clear();
  bool declined = false;
  const int64_t now = MonotonicNs();
  {
    std::lock_guard<std::mutex> lock(table_.mutex());
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* packet = o.arena.data() + o.offsets[i];
      const size_t length = o.lengths[i];
      const int version = IpVersion(packet, length);
      if (version == 0 || length > kMaxContent) {
        Count(kDropMalformed);
        continue;
      }
      const auto* route = table_.Route(packet + (version == 4 ? 16 : 24), version);
      if (route == nullptr) {
        Count(kDropNoRoute);
        continue;
      }
      PeerState* peer = route->get();
      SendKeypair* key = peer->send.get();
      if (!peer->has_endpoint || key == nullptr || now - key->created_ns >= kRejectAfterTimeNs ||
          key->counter >= kRejectAfterMessages) {
        // No session that may send: the core stages it and handshakes.
        if (declined_tun_.Push(packet, length, 0, nullptr, 0, kDeclinedEntries)) {
          declined = true;
        } else {
          Count(kDropQueueFull);
        }
        continue;
      }
      if (o.peer_holds.empty() || o.peer_holds.back().get() != peer) o.peer_holds.push_back(*route);
      if (o.key_holds.empty() || o.key_holds.back().get() != key) o.key_holds.push_back(peer->send);
      const uint64_t counter = key->counter++;
      if (counter >= kRekeyAfterMessages) Flag(peer, kRekeyMessages);
      o.plans.push_back({peer, key, counter, o.offsets[i], static_cast<uint32_t>(length),
                         peer->endpoint, peer->port, 0, 0});
    }
  }
  if (declined) wake_();

  size_t used = 0;
  for (Outbound::Plan& plan : o.plans) {
    plan.sealed_at = static_cast<uint32_t>(used);
    const size_t padded = PaddedLength(plan.length, options_.mtu);
    plan.sealed_length = static_cast<uint32_t>(kMinMessage + padded);
    used += plan.sealed_length;
  }
  o.helper.Run(&FastPath::SealPlans, &o, o.plans.size());

  // Runs to one destination of equal-sized messages (a shorter one ends a run)
  // leave in one GSO send each.
  const size_t n = o.plans.size();
  for (size_t i = 0; i < n;) {
    const Outbound::Plan& first = o.plans[i];
    const size_t segment = first.sealed_length;
    size_t j = i + 1;
    while (j < n) {
      const Outbound::Plan& next = o.plans[j];
      if (next.peer != first.peer || next.port != first.port ||
          !SameAddress(next.to, first.to.family, first.to.bytes) ||
          o.plans[j - 1].sealed_length != segment || next.sealed_length > segment) {
        break;
      }
      ++j;
    }
    const size_t bytes = o.plans[j - 1].sealed_at + o.plans[j - 1].sealed_length - first.sealed_at;
    if (SendRun(o.sealed.data() + first.sealed_at, bytes, segment, first.to, first.port) == 0) {
      first.peer->tx_bytes.fetch_add(bytes, std::memory_order_relaxed);
      first.peer->tx_packets.fetch_add(j - i, std::memory_order_relaxed);
    }
    // Sent or not, the counters were used: the timers must know (as after a failed send
    // in the core).
    Flag(first.peer, kSentAny | kSentData);
    i = j;
  }
}

void FastPath::SealPlans(void* outbound, size_t begin, size_t end) {
  Outbound& o = *static_cast<Outbound*>(outbound);
  for (size_t i = begin; i < end; ++i) {
    const Outbound::Plan& plan = o.plans[i];
    Seal(plan.key->key, plan.key->remote_index, plan.counter, o.arena.data() + plan.offset,
         plan.length, plan.sealed_length - kMinMessage, o.sealed.data() + plan.sealed_at);
  }
}

bool FastPath::WaitWritable(NativeHandle handle) {
  pollfd fds[2] = {{handle, POLLOUT, 0}, {stop_fd_, POLLIN, 0}};
  const int ready = poll(fds, 2, 1000);
  return ready > 0 && (fds[1].revents & POLLIN) == 0 && (fds[0].revents & POLLOUT) != 0;
}

int FastPath::SendRun(const uint8_t* data, size_t length, size_t segment, const IpAddress& to,
                      uint16_t port) {
  Outbound& o = *out_;
  const bool v4 = LeavesAsV4(to);
  const NativeHandle handle = v4 ? options_.udp.v4 : options_.udp.v6;
  // One sendmsg per call (at most kMaxGsoSegments and one IP datagram's payload),
  // so a full socket buffer can be waited out and the same call repeated.
  const size_t max_payload = v4 ? 65507 : 65527;
  const size_t per_call = std::max<size_t>(1, std::min(kMaxGsoSegments, max_payload / segment));
  int result = 0;
  for (size_t at = 0; at < length;) {
    const size_t chunk = std::min(per_call * segment, length - at);
    int err;
    int waits = 0;
    for (;;) {
      err = UdpSendSegments(options_.udp, data + at, chunk, segment, to, port, &o.gso, &o.udp);
      if (err != EAGAIN || handle == kInvalidHandle || ++waits > 3 || !WaitWritable(handle)) break;
    }
    if (err != 0) result = err;
    at += chunk;
  }
  gso_.store(o.gso, std::memory_order_relaxed);
  return result;
}

}  // namespace wg
}  // namespace slipstream
