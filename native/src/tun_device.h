// The JS TunDevice object (see app/native/types.ts): owns one TUN fd, reads it
// in batches when started.
#ifndef SLIPSTREAM_TUN_DEVICE_H_
#define SLIPSTREAM_TUN_DEVICE_H_

#include <napi.h>

#include <memory>

#include "batch_channel.h"
#include "handle_set.h"
#include "platform.h"

namespace slipstream {

class TunDevice : public Napi::ObjectWrap<TunDevice> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  // openTun(name): the module-level factory.
  static Napi::Value Open(const Napi::CallbackInfo& info);

  // Only reachable through Open(), which passes the opened device as an External.
  explicit TunDevice(const Napi::CallbackInfo& info);

  // For the native data path (fastpath/), which reads with its own copy of the fd.
  NativeHandle native_handle() const { return handles_.handle(0); }
  const TunOffloads& offloads() const { return offloads_; }
  // Reading here or on the data path's threads, never both (two readers would each
  // see part of the traffic, and JS could accept a message the threads already did).
  bool reading() const { return channel_.is_open() || claimed_; }
  void Claim() { claimed_ = true; }
  bool closed() const { return handles_.closed(); }

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value WriteBatch(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Coalescing(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void Shutdown();
  static void OnReadable(void* self, size_t index);
  static void OnReady(void* self);

  HandleSet handles_;
  BatchChannel channel_;
  bool claimed_ = false;
  bool referenced_ = false;
  TunCounters counters_;
  std::unique_ptr<TunIo> io_;
  TunOffloads offloads_;
};

}  // namespace slipstream

#endif  // SLIPSTREAM_TUN_DEVICE_H_
