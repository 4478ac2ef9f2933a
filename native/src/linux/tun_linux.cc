// TUN devices through /dev/net/tun. Packet I/O is in tun_offload_linux.cc.
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../offload/virtio_header.h"
#include "../platform.h"

// Older headers lack the UDP segmentation offload bits (Linux 6.2).
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

namespace slipstream {
namespace {

// Ask for the most the kernel takes: the ioctl's success is the probe.
TunOffloads EnableOffloads(int fd) {
  TunOffloads result;
  int header_size = static_cast<int>(offload::kVirtioHeaderSize);
  if (ioctl(fd, TUNSETVNETHDRSZ, &header_size) < 0) return result;
  result.vnet_header = true;
  const unsigned long tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
  if (ioctl(fd, TUNSETOFFLOAD, tso | TUN_F_USO4 | TUN_F_USO6) == 0) {
    result.tso = result.uso = true;
  } else if (ioctl(fd, TUNSETOFFLOAD, tso) == 0) {
    result.tso = true;
  }
  return result;
}

}  // namespace

int TunOpen(const std::string& requested_name, bool want_offloads, TunInfo* out) {
  if (requested_name.size() > kMaxInterfaceName) return ENAMETOOLONG;
  const int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno;

  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  // IFF_TUN_EXCL: never attach to somebody else's persistent TUN of the same name (we
  // would later delete it on teardown); the kernel answers EBUSY instead.
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL;
  if (want_offloads) ifr.ifr_flags |= IFF_VNET_HDR;
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
  TunOffloads offloads;
  if (want_offloads) {
    offloads = EnableOffloads(fd);
    if (!offloads.vnet_header) {
      // IFF_VNET_HDR is set but its size could not be: reads would carry a
      // header of unknown size. Refuse rather than guess.
      const int err = errno != 0 ? errno : EINVAL;
      close(fd);
      return err;
    }
  }
  out->handle = fd;
  out->name = ifr.ifr_name;
  out->ifindex = ifindex;
  out->offloads = offloads;
  return 0;
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
