// Readiness and error naming on Linux, where a handle is a plain fd and the
// platform's error values are errno values.
#include <cerrno>
#include <cstring>

#include "../platform.h"

namespace slipstream {

int PollInit(uv_loop_t* loop, uv_poll_t* poll, NativeHandle handle) {
  const int status = uv_poll_init(loop, poll, handle);
  return status < 0 ? -status : 0;
}

std::string ErrorCode(int err) {
  // libuv error codes on Unix are negated errno values, and its names are
  // exactly the ones Node puts in `error.code`.
  char name[64];
  return uv_err_name_r(-err, name, sizeof name);
}

std::string ErrorMessage(int err) {
  char text[256];
  // GNU strerror_r may return a static string instead of filling `text`.
  return strerror_r(err, text, sizeof text);
}

}  // namespace slipstream
