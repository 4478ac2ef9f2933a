// UDP sockets: an IPv4 and an IPv6-only socket sharing one port; batched
// receive with recvmmsg (split back into datagrams when GRO coalesced them),
// batched send with UDP GSO (one sendmsg per run) or sendmmsg.
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>
#include <cstring>

#include "../platform.h"
#include "../segmented_send.h"
#include "../peer_slot.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace slipstream {
namespace {

// The largest UDP payload one datagram (and so one GSO super-datagram) can
// carry: 65535 minus the IPv4 and UDP headers; for IPv6, whose length field
// leaves out its own header, 65535 minus the UDP header (no jumbograms).
constexpr size_t kMaxPayloadV4 = 65507;
constexpr size_t kMaxPayloadV6 = 65527;

// Large buffers absorb bursts between event-loop turns. The *FORCE variants
// exceed net.core.[rw]mem_max but need CAP_NET_ADMIN, so fall back quietly.
constexpr int kReceiveBuffer = 16 * 1024 * 1024;
constexpr int kSendBuffer = 2 * 1024 * 1024;

// When the caller asked for "any port", the IPv6 bind can collide with an
// unrelated IPv6 socket on the port the IPv4 socket got; pick again.
constexpr int kAnyPortAttempts = 8;

void SetBuffer(int fd, int force_option, int option, int bytes) {
  if (setsockopt(fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) == 0) return;
  setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
}

int Configure(int fd, uint32_t fwmark) {
  if (fwmark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof fwmark) < 0) return errno;
  SetBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, kReceiveBuffer);
  SetBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, kSendBuffer);
  return 0;
}

int OpenV4(uint16_t port, uint32_t fwmark, int* fd_out, uint16_t* port_out) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int err = Configure(fd, fwmark);
  if (err == 0) {
    sockaddr_in addr;
    std::memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) {
      err = errno;
    } else {
      *port_out = ntohs(addr.sin_port);
    }
  }
  if (err != 0) {
    close(fd);
    return err;
  }
  *fd_out = fd;
  return 0;
}

int OpenV6(uint16_t port, uint32_t fwmark, int* fd_out) {
  const int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  const int on = 1;
  int err = 0;
  if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0) err = errno;
  if (err == 0) err = Configure(fd, fwmark);
  if (err == 0) {
    sockaddr_in6 addr;
    std::memset(&addr, 0, sizeof addr);
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(port);
    addr.sin6_addr = in6addr_any;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) err = errno;
  }
  if (err != 0) {
    close(fd);
    return err;
  }
  *fd_out = fd;
  return 0;
}

bool IsV4Mapped(const uint8_t* bytes) {
  static const uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes, kPrefix, sizeof kPrefix) == 0;
}

int SendTo(int fd, const uint8_t* data, size_t length, const sockaddr* to, socklen_t to_len) {
  for (;;) {
    if (sendto(fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL, to, to_len) >= 0) return 0;
    if (errno == EINTR) continue;
    return errno == EWOULDBLOCK ? EAGAIN : errno;
  }
}

class LinuxDatagramReceiver final : public DatagramReceiver {
 public:
  explicit LinuxDatagramReceiver(const DatagramSlots& slots) : slots_(slots) {
    std::memset(messages_, 0, sizeof messages_);
    for (size_t i = 0; i < kBatchCapacity; ++i) {
      iov_[i].iov_base = slots_.arena + i * kSlotSize;
      iov_[i].iov_len = kSlotSize;
    }
  }

  int Receive(NativeHandle handle, size_t max, size_t* buffers, UdpCounters* counters) override {
    if (max > kBatchCapacity) max = kBatchCapacity;
    received_ = 0;
    next_buffer_ = 0;
    next_offset_ = 0;
    *buffers = 0;
    // The kernel overwrites msg_namelen/msg_controllen/msg_flags: reset per call.
    for (size_t i = 0; i < max; ++i) {
      msghdr& h = messages_[i].msg_hdr;
      h.msg_name = &peers_[i];
      h.msg_namelen = sizeof peers_[i];
      h.msg_iov = &iov_[i];
      h.msg_iovlen = 1;
      h.msg_control = control_[i];
      h.msg_controllen = sizeof control_[i];
      h.msg_flags = 0;
      messages_[i].msg_len = 0;
    }
    int got;
    do {
      got = recvmmsg(handle, messages_, static_cast<unsigned int>(max), MSG_DONTWAIT, nullptr);
      ++counters->recv_syscalls;
    } while (got < 0 && errno == EINTR);
    if (got < 0) return errno == EWOULDBLOCK ? EAGAIN : errno;
    received_ = static_cast<size_t>(got);
    for (size_t i = 0; i < received_; ++i) {
      const size_t length = messages_[i].msg_len;
      size_t segment = GroSegmentSize(messages_[i].msg_hdr);
      if (segment == 0 || segment >= length) segment = length;
      if (length > segment) ++counters->gro_coalesced;
      segments_[i] = segment;
    }
    *buffers = received_;
    // Fewer than asked means the queue is drained.
    return received_ < max ? EAGAIN : 0;
  }

  size_t NextEntries(UdpCounters* counters) override {
    size_t e = 0;
    while (next_buffer_ < received_ && e < kDatagramEntries) {
      const size_t i = next_buffer_;
      const size_t length = messages_[i].msg_len;
      const size_t segment = segments_[i];
      const uint32_t base = static_cast<uint32_t>(i * kSlotSize);
      // A zero-length datagram is still a datagram (one entry).
      do {
        const size_t part = std::min(segment, length - next_offset_);
        slots_.offsets[e] = base + static_cast<uint32_t>(next_offset_);
        slots_.lengths[e] = static_cast<uint32_t>(part);
        WritePeerSlot(slots_, peers_[i], e);
        ++e;
        next_offset_ += part;
      } while (next_offset_ < length && e < kDatagramEntries);
      if (next_offset_ >= length) {
        ++next_buffer_;
        next_offset_ = 0;
      }
    }
    counters->datagrams_received += e;
    return e;
  }

 private:
  static size_t GroSegmentSize(const msghdr& h) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr;
         c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
      if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
          c->cmsg_len >= CMSG_LEN(sizeof(int))) {
        int size = 0;
        std::memcpy(&size, CMSG_DATA(c), sizeof size);
        return size > 0 ? static_cast<size_t>(size) : 0;
      }
    }
    return 0;
  }


  DatagramSlots slots_;
  mmsghdr messages_[kBatchCapacity];
  iovec iov_[kBatchCapacity];
  sockaddr_storage peers_[kBatchCapacity];
  // Room for the UDP_GRO segment size (and anything else the kernel adds).
  alignas(cmsghdr) char control_[kBatchCapacity][64];
  // The last Receive: how many buffers, each one's segment size, and how far
  // NextEntries has got (buffer, byte offset in it).
  size_t received_ = 0;
  size_t segments_[kBatchCapacity] = {};
  size_t next_buffer_ = 0;
  size_t next_offset_ = 0;
};

// The socket and address for a destination: IPv4 (and IPv4-mapped) on the
// IPv4 socket, the rest on the IPv6 socket.
struct Destination {
  int fd = -1;
  sockaddr_storage addr;
  socklen_t length = 0;
  // The largest UDP payload one datagram of this family can carry.
  size_t max_payload = 0;
};

int Resolve(const UdpInfo& sockets, const IpAddress& to, uint16_t port, Destination* out) {
  std::memset(&out->addr, 0, sizeof out->addr);
  if (to.family == 4 || (to.family == 6 && IsV4Mapped(to.bytes))) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out->addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, to.family == 4 ? to.bytes : to.bytes + 12, 4);
    out->fd = sockets.v4;
    out->length = sizeof *a;
    out->max_payload = kMaxPayloadV4;
    return 0;
  }
  if (sockets.v6 < 0) return EAFNOSUPPORT;
  auto* a = reinterpret_cast<sockaddr_in6*>(&out->addr);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  std::memcpy(&a->sin6_addr, to.bytes, 16);
  out->fd = sockets.v6;
  out->length = sizeof *a;
  out->max_payload = kMaxPayloadV6;
  return 0;
}

// Errors with which a kernel or path says "no GSO here": EIO where the route's
// device cannot checksum GSO packets (older kernels) or the route uses xfrm;
// EMSGSIZE (EINVAL on older kernels) when a segment does not fit the path MTU,
// which plain sends still handle by fragmenting; ENOPROTOOPT/EOPNOTSUPP where
// the kernel has no UDP GSO at all.
bool RefusesGso(int err) {
  return err == EIO || err == EMSGSIZE || err == EINVAL || err == ENOPROTOOPT ||
         err == EOPNOTSUPP;
}

// One sendmsg carrying `count` segments of `segment` bytes (the last maybe shorter).
int SendGso(const Destination& d, const uint8_t* data, size_t length, size_t segment,
            UdpCounters* counters) {
  iovec iov;
  iov.iov_base = const_cast<uint8_t*>(data);
  iov.iov_len = length;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint16_t))];
  std::memset(control, 0, sizeof control);
  msghdr h;
  std::memset(&h, 0, sizeof h);
  h.msg_name = const_cast<sockaddr_storage*>(&d.addr);
  h.msg_namelen = d.length;
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  h.msg_control = control;
  h.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&h);
  c->cmsg_level = SOL_UDP;
  c->cmsg_type = UDP_SEGMENT;
  c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  const uint16_t size = static_cast<uint16_t>(segment);
  std::memcpy(CMSG_DATA(c), &size, sizeof size);
  for (;;) {
    ++counters->send_syscalls;
    if (sendmsg(d.fd, &h, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return 0;
    if (errno == EINTR) continue;
    return errno == EWOULDBLOCK ? EAGAIN : errno;
  }
}

// The same datagrams with sendmmsg, kBatchCapacity per call.
int SendRun(const Destination& d, const uint8_t* data, size_t length, size_t segment,
            UdpCounters* counters) {
  mmsghdr messages[kBatchCapacity];
  iovec iov[kBatchCapacity];
  size_t at = 0;
  while (at < length) {
    size_t n = 0;
    for (size_t off = at; off < length && n < kBatchCapacity; off += segment, ++n) {
      iov[n].iov_base = const_cast<uint8_t*>(data + off);
      iov[n].iov_len = std::min(segment, length - off);
      std::memset(&messages[n], 0, sizeof messages[n]);
      messages[n].msg_hdr.msg_name = const_cast<sockaddr_storage*>(&d.addr);
      messages[n].msg_hdr.msg_namelen = d.length;
      messages[n].msg_hdr.msg_iov = &iov[n];
      messages[n].msg_hdr.msg_iovlen = 1;
    }
    int sent;
    do {
      ++counters->send_syscalls;
      sent = sendmmsg(d.fd, messages, static_cast<unsigned int>(n), MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return errno == EWOULDBLOCK ? EAGAIN : errno;
    // A partial batch: carry on from the first datagram the kernel did not take.
    counters->datagrams_sent += static_cast<uint64_t>(sent);
    for (int k = 0; k < sent; ++k) at += iov[k].iov_len;
  }
  return 0;
}

}  // namespace

int UdpOpen(uint16_t port, uint32_t fwmark, UdpInfo* out) {
  const int attempts = port == 0 ? kAnyPortAttempts : 1;
  int err = 0;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    int v4 = -1;
    uint16_t bound = 0;
    err = OpenV4(port, fwmark, &v4, &bound);
    if (err != 0) return err;
    int v6 = -1;
    err = OpenV6(bound, fwmark, &v6);
    if (err == 0 || err == EAFNOSUPPORT || err == EADDRNOTAVAIL) {
      out->v4 = v4;
      out->v6 = v6;
      out->port = bound;
      return 0;
    }
    close(v4);
    if (err != EADDRINUSE) return err;
  }
  return err;
}

int UdpSend(const UdpInfo& sockets, const uint8_t* data, size_t length, const IpAddress& to,
            uint16_t port) {
  if (to.family == 4 || (to.family == 6 && IsV4Mapped(to.bytes))) {
    sockaddr_in addr;
    std::memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    std::memcpy(&addr.sin_addr, to.family == 4 ? to.bytes : to.bytes + 12, 4);
    return SendTo(sockets.v4, data, length, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  if (sockets.v6 < 0) return EAFNOSUPPORT;
  sockaddr_in6 addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons(port);
  std::memcpy(&addr.sin6_addr, to.bytes, 16);
  return SendTo(sockets.v6, data, length, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
}

void UdpClose(NativeHandle handle) {
  if (handle >= 0) close(handle);
}

UdpOffloads UdpEnableOffloads(const UdpInfo& sockets) {
  UdpOffloads result;
  // GSO: a segment size of 0 as the socket default is harmless and fails
  // with ENOPROTOOPT where the kernel has no UDP_SEGMENT.
  const int zero = 0;
  result.gso = setsockopt(sockets.v4, SOL_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
  result.gro = UdpSetGro(sockets, true) == 0;
  return result;
}

int UdpSetGro(const UdpInfo& sockets, bool enabled) {
  const int value = enabled ? 1 : 0;
  if (setsockopt(sockets.v4, SOL_UDP, UDP_GRO, &value, sizeof value) < 0) return errno;
  if (sockets.v6 >= 0 && setsockopt(sockets.v6, SOL_UDP, UDP_GRO, &value, sizeof value) < 0) {
    return errno;
  }
  return 0;
}

int UdpSendSegments(const UdpInfo& sockets, const uint8_t* data, size_t length,
                    size_t segment_size, const IpAddress& to, uint16_t port, bool* gso,
                    UdpCounters* counters) {
  if (segment_size == 0 || length == 0) return EINVAL;
  Destination d;
  int err = Resolve(sockets, to, port, &d);
  if (err == 0 && segment_size > d.max_payload) err = EMSGSIZE;
  if (err != 0) {
    // The caller's mistake, not the kernel refusing GSO: nothing to fall back from.
    ++counters->send_errors;
    return err;
  }
  return SendSegmented(
      data, length, segment_size, d.max_payload, gso, counters,
      [&](const uint8_t* p, size_t n, size_t segment) { return SendGso(d, p, n, segment, counters); },
      RefusesGso,
      [&](const uint8_t* p, size_t n, size_t segment) { return SendRun(d, p, n, segment, counters); });
}

int UdpSendMany(const UdpInfo& sockets, const OutgoingDatagram* datagrams, size_t count,
                size_t* sent, UdpCounters* counters) {
  *sent = 0;
  int first_error = 0;
  const auto fail = [&](int err, size_t datagrams_lost) {
    if (first_error == 0) first_error = err;
    counters->send_errors += datagrams_lost;
  };
  Destination to[kBatchCapacity];
  mmsghdr messages[kBatchCapacity];
  iovec iov[kBatchCapacity];
  size_t next = 0;
  while (next < count) {
    // Collect a run for one socket; a datagram with no way out is dropped here.
    size_t n = 0;
    int fd = -1;
    for (; next < count && n < kBatchCapacity; ++next) {
      const OutgoingDatagram& g = datagrams[next];
      Destination& d = to[n];
      const int err = Resolve(sockets, g.to, g.port, &d);
      if (err != 0) {
        fail(err, 1);
        continue;
      }
      if (n > 0 && d.fd != fd) break;
      fd = d.fd;
      iov[n].iov_base = const_cast<uint8_t*>(g.data);
      iov[n].iov_len = g.length;
      std::memset(&messages[n], 0, sizeof messages[n]);
      messages[n].msg_hdr.msg_name = &d.addr;
      messages[n].msg_hdr.msg_namelen = d.length;
      messages[n].msg_hdr.msg_iov = &iov[n];
      messages[n].msg_hdr.msg_iovlen = 1;
      ++n;
    }
    size_t done = 0;
    while (done < n) {
      const int got = sendmmsg(fd, messages + done, static_cast<unsigned int>(n - done),
                               MSG_DONTWAIT | MSG_NOSIGNAL);
      ++counters->send_syscalls;
      if (got > 0) {
        done += static_cast<size_t>(got);
        *sent += static_cast<size_t>(got);
        counters->datagrams_sent += static_cast<uint64_t>(got);
        continue;
      }
      const int err = got < 0 ? errno : EAGAIN;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        // The socket buffer is full: what is left would only fail again.
        fail(EAGAIN, (n - done) + (count - next));
        return EAGAIN;
      }
      // sendmmsg reports an error only for the first datagram it tried: drop
      // that one and go on with the rest.
      fail(err, 1);
      ++done;
    }
  }
  return first_error;
}

std::unique_ptr<DatagramReceiver> DatagramReceiver::Create(const DatagramSlots& slots) {
  return std::make_unique<LinuxDatagramReceiver>(slots);
}

}  // namespace slipstream
