// TUN devices through /dev/net/tun.
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../platform.h"

namespace slipstream {

int TunOpen(const std::string& requested_name, TunInfo* out) {
  if (requested_name.size() > kMaxInterfaceName) return ENAMETOOLONG;
  const int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno;

  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  // IFF_TUN_EXCL: never attach to somebody else's persistent TUN of the same name (we
  // would later delete it on teardown); the kernel answers EBUSY instead.
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL;
  // An empty ifr_name makes the kernel pick the first free "tun%d".
  std::memcpy(ifr.ifr_name, requested_name.data(), requested_name.size());
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    const int err = errno;
    close(fd);
    return err;
  }
  ifr.ifr_name[IFNAMSIZ - 1] = '\0';
  const unsigned int ifindex = if_nametoindex(ifr.ifr_name);
  if (ifindex == 0) {
    const int err = errno != 0 ? errno : ENODEV;
    close(fd);
    return err;
  }
  out->handle = fd;
  out->name = ifr.ifr_name;
  out->ifindex = ifindex;
  return 0;
}

int TunReadBatch(NativeHandle handle, uint8_t* arena, uint32_t* lengths, size_t max,
                 size_t* count) {
  size_t n = 0;
  int result = 0;
  while (n < max) {
    const ssize_t got = read(handle, arena + n * kSlotSize, kSlotSize);
    if (got < 0) {
      if (errno == EINTR) continue;
      result = errno == EWOULDBLOCK ? EAGAIN : errno;
      break;
    }
    lengths[n] = static_cast<uint32_t>(got);
    ++n;
  }
  *count = n;
  return result;
}

int TunWrite(NativeHandle handle, const uint8_t* packet, size_t length) {
  for (;;) {
    const ssize_t put = write(handle, packet, length);
    if (put >= 0) return 0;
    if (errno == EINTR) continue;
    return errno == EWOULDBLOCK ? EAGAIN : errno;
  }
}

void TunClose(NativeHandle handle) {
  if (handle >= 0) close(handle);
}

// The fd is polled with uv_poll (level-triggered), so nothing else is needed.
int TunNotifyStart(uv_loop_t* /*loop*/, NativeHandle /*handle*/, void (*/*ready*/)(void*),
                   void* /*arg*/) {
  return ENOTSUP;
}
void TunNotifyAgain(NativeHandle /*handle*/) {}

}  // namespace slipstream
