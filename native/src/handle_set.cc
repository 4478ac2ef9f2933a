#include "handle_set.h"

namespace slipstream {

// Heap-allocated so it can outlive the HandleSet: libuv owns the memory of a
// closing handle until its close callback has run.
struct HandleSet::Watch {
  uv_poll_t poll;
  HandleSet* set;
  size_t index;
  TeardownWait* wait;
};

// Environment teardown is asynchronous: Node keeps the loop running until
// every closing watcher has reported back, then the hook is removed. Without
// this, a worker thread's loop could be closed with our handles still on it.
struct HandleSet::TeardownWait {
  napi_async_cleanup_hook_handle hook;
  size_t pending;
};

HandleSet::HandleSet(CloseFn close_fn, ReadableFn readable_fn, void* owner)
    : close_fn_(close_fn), readable_fn_(readable_fn), owner_(owner) {}

HandleSet::~HandleSet() { Close(); }

int HandleSet::Adopt(napi_env env, NativeHandle first, NativeHandle second) {
  env_ = env;
  handles_[0] = first;
  handles_[1] = second;
  if (napi_add_async_cleanup_hook(env, OnEnvTeardown, this, &teardown_hook_) != napi_ok) {
    teardown_hook_ = nullptr;
    CloseHandles();
    closed_ = true;
    return ENOMEM;
  }
  return 0;
}

int HandleSet::StartPolling() {
  if (closed_) return EBADF;
  if (polling_) return 0;
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env_, &loop) != napi_ok || loop == nullptr) return EINVAL;
  for (size_t i = 0; i < kMaxHandles; ++i) {
    if (handles_[i] == kInvalidHandle) continue;
    auto* watch = new Watch{};
    watch->set = this;
    watch->index = i;
    int err = PollInit(loop, &watch->poll, handles_[i]);
    if (err != 0) {
      // Never initialised, so libuv does not know it: free it directly.
      delete watch;
      CloseWatches(nullptr);
      return err;
    }
    watch->poll.data = watch;
    watches_[i] = watch;
    const int status = uv_poll_start(&watch->poll, UV_READABLE, OnReadable);
    if (status < 0) {
      CloseWatches(nullptr);
      return -status;
    }
  }
  polling_ = true;
  return 0;
}

void HandleSet::OnReadable(uv_poll_t* poll, int status, int /*events*/) {
  auto* watch = static_cast<Watch*>(poll->data);
  if (status < 0) {
    // A broken descriptor would report readiness forever; stop watching it
    // rather than spin.
    uv_poll_stop(poll);
    return;
  }
  watch->set->readable_fn_(watch->set->owner_, watch->index);
}

void HandleSet::OnWatchClosed(uv_handle_t* handle) {
  auto* watch = static_cast<Watch*>(handle->data);
  TeardownWait* wait = watch->wait;
  delete watch;
  if (wait != nullptr && --wait->pending == 0) {
    napi_remove_async_cleanup_hook(wait->hook);
    delete wait;
  }
}

void HandleSet::OnEnvTeardown(napi_async_cleanup_hook_handle hook, void* arg) {
  auto* set = static_cast<HandleSet*>(arg);
  set->teardown_hook_ = nullptr;
  size_t pending = 0;
  for (Watch* watch : set->watches_) {
    if (watch != nullptr) ++pending;
  }
  if (pending == 0) {
    napi_remove_async_cleanup_hook(hook);
  } else {
    set->CloseWatches(new TeardownWait{hook, pending});
  }
  set->CloseHandles();
  set->closed_ = true;
}

void HandleSet::CloseWatches(TeardownWait* wait) {
  for (Watch*& watch : watches_) {
    if (watch == nullptr) continue;
    watch->wait = wait;
    // uv_close also takes the fd out of epoll, before the fd itself is closed.
    uv_close(reinterpret_cast<uv_handle_t*>(&watch->poll), OnWatchClosed);
    watch = nullptr;
  }
  polling_ = false;
}

void HandleSet::CloseHandles() {
  for (NativeHandle& handle : handles_) {
    if (handle == kInvalidHandle) continue;
    close_fn_(handle);
    handle = kInvalidHandle;
  }
}

void HandleSet::Close() {
  if (closed_) return;
  closed_ = true;
  if (teardown_hook_ != nullptr) {
    napi_remove_async_cleanup_hook(teardown_hook_);
    teardown_hook_ = nullptr;
  }
  CloseWatches(nullptr);
  CloseHandles();
}

}  // namespace slipstream
