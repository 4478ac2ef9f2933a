#include "fast_path.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "fast_path_internal.h"

namespace slipstream {
namespace wg {
namespace {

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
