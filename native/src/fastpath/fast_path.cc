#include "fast_path.h"

#include "batch_helper.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace slipstream {
namespace wg {
namespace {

// Declined packets held for the loop thread at most: a burst before the first
// handshake, or a handshake flood (dropped beyond this, as the core would).
constexpr size_t kDeclinedEntries = 1024;
constexpr size_t kDeclinedBytes = 4 * 1024 * 1024;
// Room for a whole batch sealed: each packet grows by a header, a tag and at
// most 15 bytes of padding.
constexpr size_t kSealedRoom = kArenaSize + kTunEntries * (kMinMessage + kPaddingMultiple);

bool SameAddress(const IpAddress& a, uint8_t family, const uint8_t* bytes) {
  return a.family == family && std::memcmp(a.bytes, bytes, family == 4 ? 4 : 16) == 0;
}

// Which socket a destination leaves through (UdpSend's rule: IPv4-mapped goes out as IPv4).
bool LeavesAsV4(const IpAddress& to) {
  if (to.family == 4) return true;
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(to.bytes, kMapped, 12) == 0;
}

// Handshake messages at their exact sizes (initiation, response, cookie reply); the core
// drops any other size as malformed, so they need not take room in the queue.
bool IsHandshakeMessage(uint32_t type, size_t length) {
  return (type == 1 && length == 148) || (type == 2 && length == 92) ||
         (type == 3 && length == 64);
}

// A descriptor in a lasting error (a TUN whose link is gone, a socket error) polls ready
// at once; after this many idle wake-ups in a row that only found errors, the loop waits
// on the stop descriptor alone for a while instead of spinning.
constexpr int kErrorWakeups = 8;
constexpr int kErrorBackoffMs = 100;

// True when asked to stop while waiting.
bool BackOff(int stop_fd) {
  pollfd fd = {stop_fd, POLLIN, 0};
  return poll(&fd, 1, kErrorBackoffMs) > 0;
}

void AddTun(TunCounters* to, const TunCounters& c) {
  to->read_syscalls += c.read_syscalls;
  to->packets_read += c.packets_read;
  to->write_syscalls += c.write_syscalls;
  to->packets_written += c.packets_written;
  to->write_errors += c.write_errors;
  to->super_packets_read += c.super_packets_read;
  to->checksums_completed += c.checksums_completed;
  to->read_drops += c.read_drops;
  to->super_packets_written += c.super_packets_written;
  to->packets_coalesced += c.packets_coalesced;
  to->coalescing_disabled |= c.coalescing_disabled;
}

void AddUdp(UdpCounters* to, const UdpCounters& c) {
  to->send_syscalls += c.send_syscalls;
  to->datagrams_sent += c.datagrams_sent;
  to->gso_sends += c.gso_sends;
  to->segments_sent += c.segments_sent;
  to->recv_syscalls += c.recv_syscalls;
  to->datagrams_received += c.datagrams_received;
  to->gro_coalesced += c.gro_coalesced;
  to->gso_fallbacks += c.gso_fallbacks;
  to->send_errors += c.send_errors;
}

}  // namespace

// The outbound thread's buffers, allocated once.
struct FastPath::Outbound {
  struct Plan {
    PeerState* peer;
    SendKeypair* key;
    uint64_t counter;
    uint32_t offset;
    uint32_t length;
    IpAddress to;
    uint16_t port;
    uint32_t sealed_at;
    uint32_t sealed_length;
  };
  std::unique_ptr<TunIo> io;
  std::vector<uint8_t> arena = std::vector<uint8_t>(kArenaSize);
  std::vector<uint32_t> offsets = std::vector<uint32_t>(kTunEntries);
  std::vector<uint32_t> lengths = std::vector<uint32_t>(kTunEntries);
  DatagramSlots slots;
  std::vector<Plan> plans;
  std::vector<std::shared_ptr<PeerState>> peer_holds;
  std::vector<std::shared_ptr<SendKeypair>> key_holds;
  std::vector<uint8_t> sealed = std::vector<uint8_t>(kSealedRoom);
  BatchHelper helper;
  TunCounters tun;
  UdpCounters udp;
  bool gso = true;
};

// The inbound thread's buffers, allocated once.
struct FastPath::Inbound {
  struct Item {
    ReceiveKeypair* key;
    uint32_t entry;
    bool opened;
  };
  std::unique_ptr<TunIo> io;
  std::unique_ptr<DatagramReceiver> receiver;
  std::vector<uint8_t> arena = std::vector<uint8_t>(kArenaSize);
  std::vector<uint32_t> offsets = std::vector<uint32_t>(kDatagramEntries);
  std::vector<uint32_t> lengths = std::vector<uint32_t>(kDatagramEntries);
  std::vector<uint16_t> ports = std::vector<uint16_t>(kDatagramEntries);
  std::vector<uint8_t> families = std::vector<uint8_t>(kDatagramEntries);
  std::vector<uint8_t> addrs = std::vector<uint8_t>(kDatagramEntries * 16);
  DatagramSlots slots;
  std::vector<Item> items;
  std::vector<std::shared_ptr<ReceiveKeypair>> holds;
  std::vector<uint32_t> write_offsets;
  std::vector<uint32_t> write_lengths;
  BatchHelper helper;
  TunCounters tun;
  UdpCounters udp;
};

FastPath::FastPath(const FastPathOptions& options, std::function<void()> wake)
    : options_(options),
      wake_(std::move(wake)),
      declined_tun_(kDeclinedEntries, kDeclinedBytes),
      declined_udp_(kDeclinedEntries, kDeclinedBytes) {
  gso_.store(options.gso);
}

FastPath::~FastPath() { Stop(); }

int FastPath::Start() {
  if (started_) return EALREADY;
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) return errno;
  out_ = std::make_unique<Outbound>();
  out_->io = TunIo::Create(options_.offloads);
  out_->slots.arena = out_->arena.data();
  out_->slots.offsets = out_->offsets.data();
  out_->slots.lengths = out_->lengths.data();
  out_->plans.reserve(kTunEntries);
  out_->gso = options_.gso;
  in_ = std::make_unique<Inbound>();
  in_->io = TunIo::Create(options_.offloads);
  in_->slots.arena = in_->arena.data();
  in_->slots.offsets = in_->offsets.data();
  in_->slots.lengths = in_->lengths.data();
  in_->slots.ports = in_->ports.data();
  in_->slots.families = in_->families.data();
  in_->slots.addrs = in_->addrs.data();
  in_->receiver = DatagramReceiver::Create(in_->slots);
  in_->items.reserve(kDatagramEntries);
  in_->write_offsets.reserve(kDatagramEntries);
  in_->write_lengths.reserve(kDatagramEntries);
  if (!out_->io || !in_->io || !in_->receiver) return ENOTSUP;
  started_ = true;
  outbound_thread_ = std::thread([this] { OutboundLoop(); });
  inbound_thread_ = std::thread([this] { InboundLoop(); });
  return 0;
}

void FastPath::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_.store(true);
  if (stop_fd_ >= 0) {
    const uint64_t one = 1;
    // An eventfd write of 1 cannot block or fail short here.
    if (write(stop_fd_, &one, sizeof one) < 0) {
    }
  }
  if (outbound_thread_.joinable()) outbound_thread_.join();
  if (inbound_thread_.joinable()) inbound_thread_.join();
  if (stop_fd_ >= 0) close(stop_fd_);
  stop_fd_ = -1;
  if (options_.tun != kInvalidHandle) close(options_.tun);
  if (options_.udp.v4 != kInvalidHandle) close(options_.udp.v4);
  if (options_.udp.v6 != kInvalidHandle) close(options_.udp.v6);
}

void FastPath::Flag(PeerState* peer, uint32_t flags) {
  const uint32_t old = peer->flags.fetch_or(flags, std::memory_order_acq_rel);
  if ((old & flags) != flags) wake_();
}

void FastPath::PublishCounters(bool outbound) {
  std::lock_guard<std::mutex> lock(counters_mutex_);
  if (outbound) {
    published_[0] = {out_->tun, out_->udp};
  } else {
    published_[1] = {in_->tun, in_->udp};
  }
}

void FastPath::Counters(TunCounters* tun, UdpCounters* udp) {
  std::lock_guard<std::mutex> lock(counters_mutex_);
  *tun = TunCounters{};
  *udp = UdpCounters{};
  for (const Published& p : published_) {
    AddTun(tun, p.tun);
    AddUdp(udp, p.udp);
  }
  AddUdp(udp, transmit_counters_);
}

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

// ---------------------------------------------------------------- the core's own messages

int FastPath::Transmit(uint32_t peer_id, const uint8_t* packet, size_t length, size_t padded) {
  std::shared_ptr<SendKeypair> key;
  uint64_t counter = 0;
  IpAddress to;
  uint16_t port = 0;
  {
    std::lock_guard<std::mutex> lock(table_.mutex());
    const auto* found = table_.FindPeer(peer_id);
    if (found == nullptr) return -1;
    PeerState* peer = found->get();
    key = peer->send;
    if (!peer->has_endpoint || !key || MonotonicNs() - key->created_ns >= kRejectAfterTimeNs ||
        key->counter >= kRejectAfterMessages) {
      return -1;
    }
    counter = key->counter++;
    if (counter >= kRekeyAfterMessages) Flag(peer, kRekeyMessages);
    to = peer->endpoint;
    port = peer->port;
  }
  transmit_buffer_.resize(kMinMessage + padded);
  Seal(key->key, key->remote_index, counter, packet, length, padded, transmit_buffer_.data());
  const int err = UdpSend(options_.udp, transmit_buffer_.data(), transmit_buffer_.size(), to, port);
  std::lock_guard<std::mutex> lock(counters_mutex_);
  ++transmit_counters_.send_syscalls;
  if (err == 0) {
    ++transmit_counters_.datagrams_sent;
  } else {
    ++transmit_counters_.send_errors;
  }
  return err;
}

}  // namespace wg
}  // namespace slipstream
