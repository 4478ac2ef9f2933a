#include "tun_device.h"

#include <algorithm>
#include <string>

#include "addon_data.h"
#include "args.h"
#include "js_errors.h"

namespace slipstream {
namespace {

// Batches per wake-up: enough to drain a burst, few enough that one busy
// device cannot starve the other handles on the loop (epoll is
// level-triggered, so leftovers wake us again on the next turn).
constexpr int kBatchesPerWakeup = 4;

}  // namespace

Napi::Function TunDevice::DefineClass(Napi::Env env) {
  return ObjectWrap<TunDevice>::DefineClass(env, "TunDevice",
                                            {
                                                InstanceMethod<&TunDevice::Start>("start"),
                                                InstanceMethod<&TunDevice::Write>("write"),
                                                InstanceMethod<&TunDevice::WriteBatch>(
                                                    "writeBatch"),
                                                InstanceMethod<&TunDevice::Stats>("stats"),
                                                InstanceAccessor<&TunDevice::Coalescing>(
                                                    "coalescing"),
                                                InstanceMethod<&TunDevice::Close>("close"),
                                            });
}

Napi::Value TunDevice::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ReadInterfaceName(env, info[0], "openTun: name", true, &name)) return env.Undefined();
  bool offloads = true;
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    Napi::Object options;
    if (!ReadObject(env, info[1], "openTun: options", &options)) return env.Undefined();
    const Napi::Value value = options.Get("offloads");
    if (env.IsExceptionPending()) return env.Undefined();
    if (!value.IsUndefined() &&
        !ReadBoolean(env, value, "openTun: options.offloads", &offloads)) {
      return env.Undefined();
    }
  }
  TunInfo tun;
  const int err = TunOpen(name, offloads, &tun);
  if (err != 0) {
    ThrowSystemError(env, "openTun", err);
    return env.Undefined();
  }
  Napi::Object device = AddonData::Of(env)->tun_device.New({Napi::External<TunInfo>::New(env, &tun)});
  // The constructor takes the fd (and resets tun.handle); if it never got
  // that far, the fd is still ours to close.
  if (tun.handle != kInvalidHandle) TunClose(tun.handle);
  if (env.IsExceptionPending()) return env.Undefined();
  return device;
}

TunDevice::TunDevice(const Napi::CallbackInfo& info)
    : ObjectWrap<TunDevice>(info), handles_(TunClose, OnReadable, this) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    ThrowTypeError(env, "TunDevice cannot be constructed directly; use openTun()");
    return;
  }
  TunInfo* tun = info[0].As<Napi::External<TunInfo>>().Data();
  io_ = TunIo::Create(tun->offloads);
  offloads_ = tun->offloads;
  if (!io_) {
    ThrowSystemError(env, "openTun", ENOTSUP);
    return;
  }
  const NativeHandle fd = tun->handle;
  tun->handle = kInvalidHandle;
  const int err = handles_.Adopt(env, fd, kInvalidHandle);
  if (err != 0) {
    ThrowSystemError(env, "openTun", err);
    return;
  }
  Napi::Object offloads = Napi::Object::New(env);
  offloads.Set("vnetHeader", Napi::Boolean::New(env, tun->offloads.vnet_header));
  offloads.Set("tso", Napi::Boolean::New(env, tun->offloads.tso));
  offloads.Set("uso", Napi::Boolean::New(env, tun->offloads.uso));
  offloads.Freeze();
  Value().DefineProperties({
      Napi::PropertyDescriptor::Value("name", Napi::String::New(env, tun->name), napi_enumerable),
      Napi::PropertyDescriptor::Value("offloads", offloads, napi_enumerable),
      Napi::PropertyDescriptor::Value("ifindex", Napi::Number::New(env, tun->ifindex),
                                      napi_enumerable),
  });
}

Napi::Value TunDevice::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Function callback;
  if (!ReadFunction(env, info[0], "TunDevice.start: onPackets", &callback)) return env.Undefined();
  if (handles_.closed()) {
    ThrowStateError(env, "TunDevice.start: device is closed");
    return env.Undefined();
  }
  if (reading()) {
    ThrowStateError(env, "TunDevice.start: already started (or read by the native data path)");
    return env.Undefined();
  }
  if (!channel_.Open(env, BatchChannel::Kind::kPackets, callback, "SlipstreamTunDevice")) {
    return env.Undefined();
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    channel_.Close();
    ThrowSystemError(env, "TunDevice.start", EINVAL);
    return env.Undefined();
  }
  int err = TunNotifyStart(loop, handles_.handle(0), OnReady, this);
  if (err == ENOTSUP) err = handles_.StartPolling();
  if (err != 0) {
    channel_.Close();
    ThrowSystemError(env, "TunDevice.start", err);
    return env.Undefined();
  }
  // A reading device stays alive (like a listening socket) until closed,
  // even if JS drops every reference to it.
  Ref();
  referenced_ = true;
  return env.Undefined();
}

Napi::Value TunDevice::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* packet = nullptr;
  size_t length = 0;
  if (!ReadBytes(env, info[0], "TunDevice.write: packet", &packet, &length)) {
    return env.Undefined();
  }
  if (handles_.closed()) return Napi::Number::New(env, EBADF);
  return Napi::Number::New(env, io_->Write(handles_.handle(0), packet, length, &counters_));
}

Napi::Value TunDevice::WriteBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* data = nullptr;
  size_t length = 0;
  uint32_t count = 0;
  if (!ReadBytes(env, info[0], "TunDevice.writeBatch: data", &data, &length)) {
    return env.Undefined();
  }
  Napi::Uint32Array offsets;
  Napi::Uint32Array lengths;
  if (!ReadUint32Array(env, info[1], "TunDevice.writeBatch: offsets", &offsets) ||
      !ReadUint32Array(env, info[2], "TunDevice.writeBatch: lengths", &lengths)) {
    return env.Undefined();
  }
  const size_t max = std::min(offsets.ElementLength(), lengths.ElementLength());
  if (!ReadUint32(env, info[3], "TunDevice.writeBatch: count", 0,
                  static_cast<uint32_t>(std::min<size_t>(max, 0xffffffffu)), &count)) {
    return env.Undefined();
  }
  // Check every range before writing anything: a bad batch is refused whole.
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t end = static_cast<uint64_t>(offsets[i]) + lengths[i];
    if (end > length) {
      ThrowRangeError(env, "TunDevice.writeBatch: packet " + std::to_string(i) +
                               " lies outside data");
      return env.Undefined();
    }
  }
  if (handles_.closed()) return Napi::Number::New(env, 0);
  const size_t written = io_->WriteBatch(handles_.handle(0), data, offsets.Data(), lengths.Data(),
                                         count, &counters_);
  return Napi::Number::New(env, static_cast<double>(written));
}

Napi::Value TunDevice::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const auto set = [&](const char* key, uint64_t v) {
    o.Set(key, Napi::Number::New(env, static_cast<double>(v)));
  };
  set("readSyscalls", counters_.read_syscalls);
  set("packetsRead", counters_.packets_read);
  set("writeSyscalls", counters_.write_syscalls);
  set("packetsWritten", counters_.packets_written);
  set("writeErrors", counters_.write_errors);
  set("superPacketsRead", counters_.super_packets_read);
  set("checksumsCompleted", counters_.checksums_completed);
  set("readDrops", counters_.read_drops);
  set("superPacketsWritten", counters_.super_packets_written);
  set("packetsCoalesced", counters_.packets_coalesced);
  set("coalescingDisabled", counters_.coalescing_disabled);
  return o;
}

Napi::Value TunDevice::Coalescing(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), io_ != nullptr && io_->coalescing());
}

Napi::Value TunDevice::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

void TunDevice::Shutdown() {
  handles_.Close();
  channel_.Close();
  if (referenced_) {
    referenced_ = false;
    Unref();
  }
}

void TunDevice::OnReady(void* self) { OnReadable(self, 0); }

void TunDevice::OnReadable(void* self, size_t /*index*/) {
  auto* device = static_cast<TunDevice*>(self);
  Napi::Env env = device->Env();
  Napi::HandleScope scope(env);
  // Hold the JS object while we work: the callback may close it and drop
  // the last reference.
  Napi::Object keep_alive = device->Value();
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    if (device->handles_.closed() || !device->channel_.is_open()) return;
    size_t count = 0;
    const int err = device->io_->ReadBatch(device->handles_.handle(0), device->channel_.slots(),
                                           &count, &device->counters_);
    if (count > 0 && !device->channel_.Deliver(count)) {
      // The callback threw: packets may be left, and an edge-triggered
      // reader (Wintun) would never report them again.
      if (!device->handles_.closed()) TunNotifyAgain(device->handles_.handle(0));
      return;
    }
    if (err != 0) return;
  }
  // Budget spent with packets possibly left (epoll would report them again; Wintun not).
  if (!device->handles_.closed()) TunNotifyAgain(device->handles_.handle(0));
  (void)keep_alive;
}

}  // namespace slipstream
