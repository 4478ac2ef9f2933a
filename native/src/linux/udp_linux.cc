// UDP sockets: an IPv4 and an IPv6-only socket sharing one port, batched
// receive with recvmmsg.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../platform.h"

namespace slipstream {
namespace {

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

  int Receive(NativeHandle handle, size_t max, size_t* count) override {
    if (max > kBatchCapacity) max = kBatchCapacity;
    // The kernel overwrites msg_namelen/msg_flags, so reset them per call.
    for (size_t i = 0; i < max; ++i) {
      msghdr& h = messages_[i].msg_hdr;
      h.msg_name = &peers_[i];
      h.msg_namelen = sizeof peers_[i];
      h.msg_iov = &iov_[i];
      h.msg_iovlen = 1;
      h.msg_control = nullptr;
      h.msg_controllen = 0;
      h.msg_flags = 0;
      messages_[i].msg_len = 0;
    }
    int got;
    do {
      got = recvmmsg(handle, messages_, static_cast<unsigned int>(max), MSG_DONTWAIT, nullptr);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
      *count = 0;
      return errno == EWOULDBLOCK ? EAGAIN : errno;
    }
    const size_t n = static_cast<size_t>(got);
    for (size_t i = 0; i < n; ++i) {
      slots_.lengths[i] = messages_[i].msg_len;
      uint8_t* addr = slots_.addrs + i * 16;
      std::memset(addr, 0, 16);
      const sockaddr_storage& peer = peers_[i];
      if (peer.ss_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&peer);
        std::memcpy(addr, &v4->sin_addr, 4);
        slots_.ports[i] = ntohs(v4->sin_port);
        slots_.families[i] = 4;
      } else {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&peer);
        std::memcpy(addr, &v6->sin6_addr, 16);
        slots_.ports[i] = ntohs(v6->sin6_port);
        slots_.families[i] = 6;
      }
    }
    *count = n;
    // Fewer than asked means the queue is drained.
    return n < max ? EAGAIN : 0;
  }

 private:
  DatagramSlots slots_;
  mmsghdr messages_[kBatchCapacity];
  iovec iov_[kBatchCapacity];
  sockaddr_storage peers_[kBatchCapacity];
};

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

std::unique_ptr<DatagramReceiver> DatagramReceiver::Create(const DatagramSlots& slots) {
  return std::make_unique<LinuxDatagramReceiver>(slots);
}

}  // namespace slipstream
