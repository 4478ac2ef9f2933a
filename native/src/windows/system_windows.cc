// Readiness and error naming on Windows. The platform's error values are the
// CRT's POSIX-style errno constants, which differ numerically from libuv's, so
// they are named here rather than through uv_err_name.
#include <cerrno>
#include <cstring>

#include "../platform.h"

namespace slipstream {

int PollInit(uv_loop_t* loop, uv_poll_t* poll, NativeHandle handle) {
  // uv_poll on Windows only works with sockets; the Wintun read event will
  // need its own readiness mechanism when TUN support arrives.
  const int status = uv_poll_init_socket(loop, poll, static_cast<uv_os_sock_t>(handle));
  return status < 0 ? EINVAL : 0;
}

std::string ErrorCode(int err) {
  switch (err) {
    case ENOTSUP:
      return "ENOTSUP";
    case EINVAL:
      return "EINVAL";
    case EAGAIN:
      return "EAGAIN";
    case ENOMEM:
      return "ENOMEM";
    case EMSGSIZE:
      return "EMSGSIZE";
    case EADDRINUSE:
      return "EADDRINUSE";
    case EADDRNOTAVAIL:
      return "EADDRNOTAVAIL";
    case EAFNOSUPPORT:
      return "EAFNOSUPPORT";
    case ENOPROTOOPT:
      return "ENOPROTOOPT";
    case EOPNOTSUPP:
      return "EOPNOTSUPP";
    case ENETUNREACH:
      return "ENETUNREACH";
    case EHOSTUNREACH:
      return "EHOSTUNREACH";
    case ECONNRESET:
      return "ECONNRESET";
    case ENOBUFS:
      return "ENOBUFS";
    case EACCES:
      return "EACCES";
    case EIO:
      return "EIO";
    default:
      return "UNKNOWN";
  }
}

std::string ErrorMessage(int err) {
  if (err == ENOTSUP) return "not supported on this platform yet";
  char text[256];
  if (strerror_s(text, sizeof text, err) != 0) return "Unknown error";
  return text;
}

}  // namespace slipstream
