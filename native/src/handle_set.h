// The OS side of one device: up to two handles (a TUN fd, or the IPv4 and IPv6
// UDP sockets), their libuv poll watchers, and an environment-teardown hook.
// Closing is idempotent and happens on close(), on garbage collection (the
// owner's destructor) or when the Node environment shuts down, whichever
// comes first.
#ifndef SLIPSTREAM_HANDLE_SET_H_
#define SLIPSTREAM_HANDLE_SET_H_

#include <node_api.h>
#include <uv.h>

#include <cstddef>

#include "platform.h"

namespace slipstream {

class HandleSet {
 public:
  static constexpr size_t kMaxHandles = 2;
  using CloseFn = void (*)(NativeHandle);
  // Called on the loop thread when handle `index` is readable.
  using ReadableFn = void (*)(void* owner, size_t index);

  HandleSet(CloseFn close_fn, ReadableFn readable_fn, void* owner);
  ~HandleSet();
  HandleSet(const HandleSet&) = delete;
  HandleSet& operator=(const HandleSet&) = delete;

  // Take ownership of the handles and register the teardown hook. Returns 0
  // or an errno; on failure the handles are closed.
  int Adopt(napi_env env, NativeHandle first, NativeHandle second);
  NativeHandle handle(size_t index) const { return handles_[index]; }
  bool closed() const { return closed_; }
  bool polling() const { return polling_; }

  // Start a poll watcher on every handle. Returns 0 or an errno.
  int StartPolling();
  void Close();

 private:
  struct Watch;
  struct TeardownWait;

  static void OnReadable(uv_poll_t* poll, int status, int events);
  static void OnWatchClosed(uv_handle_t* handle);
  static void OnEnvTeardown(napi_async_cleanup_hook_handle hook, void* arg);
  // Stop the watchers; `wait` (may be null) learns when libuv has let go.
  void CloseWatches(TeardownWait* wait);
  void CloseHandles();

  CloseFn close_fn_;
  ReadableFn readable_fn_;
  void* owner_;
  napi_env env_ = nullptr;
  NativeHandle handles_[kMaxHandles] = {kInvalidHandle, kInvalidHandle};
  Watch* watches_[kMaxHandles] = {nullptr, nullptr};
  napi_async_cleanup_hook_handle teardown_hook_ = nullptr;
  bool polling_ = false;
  bool closed_ = false;
};

}  // namespace slipstream

#endif  // SLIPSTREAM_HANDLE_SET_H_
