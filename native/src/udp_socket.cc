#include "udp_socket.h"

#include "addon_data.h"
#include "args.h"
#include "js_errors.h"

namespace slipstream {
namespace {

// See tun_device.cc: bounded work per wake-up, per socket.
constexpr int kBatchesPerWakeup = 4;

}  // namespace

Napi::Function UdpSocket::DefineClass(Napi::Env env) {
  return ObjectWrap<UdpSocket>::DefineClass(env, "UdpSocket",
                                            {
                                                InstanceMethod<&UdpSocket::Start>("start"),
                                                InstanceMethod<&UdpSocket::Send>("send"),
                                                InstanceMethod<&UdpSocket::SendSegments>(
                                                    "sendSegments"),
                                                InstanceMethod<&UdpSocket::SetGso>("setGso"),
                                                InstanceMethod<&UdpSocket::Stats>("stats"),
                                                InstanceAccessor<&UdpSocket::GetGso>("gso"),
                                                InstanceAccessor<&UdpSocket::GetGsoFallbacks>(
                                                    "gsoFallbacks"),
                                                InstanceMethod<&UdpSocket::Close>("close"),
                                            });
}

Napi::Value UdpSocket::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options;
  if (!ReadObject(env, info[0], "openUdp: options", &options)) return env.Undefined();
  uint32_t port = 0;
  if (!ReadUint32(env, options.Get("port"), "openUdp: port", 0, 65535, &port)) {
    return env.Undefined();
  }
  bool has_fwmark = false;
  uint32_t fwmark = 0;
  if (!ReadOptionalUint32(env, options, "fwmark", "openUdp: fwmark", 0, 0xffffffffu, &has_fwmark,
                          &fwmark)) {
    return env.Undefined();
  }
  UdpInfo sockets;
  const int err = UdpOpen(static_cast<uint16_t>(port), fwmark, &sockets);
  if (err != 0) {
    ThrowSystemError(env, "openUdp", err);
    return env.Undefined();
  }
  Napi::Object socket =
      AddonData::Of(env)->udp_socket.New({Napi::External<UdpInfo>::New(env, &sockets)});
  // The constructor takes the sockets; if it never got that far, close them.
  if (sockets.v4 != kInvalidHandle) UdpClose(sockets.v4);
  if (sockets.v6 != kInvalidHandle) UdpClose(sockets.v6);
  if (env.IsExceptionPending()) return env.Undefined();
  return socket;
}

UdpSocket::UdpSocket(const Napi::CallbackInfo& info)
    : ObjectWrap<UdpSocket>(info), handles_(UdpClose, OnReadable, this) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    ThrowTypeError(env, "UdpSocket cannot be constructed directly; use openUdp()");
    return;
  }
  UdpInfo* sockets = info[0].As<Napi::External<UdpInfo>>().Data();
  const NativeHandle v4 = sockets->v4;
  const NativeHandle v6 = sockets->v6;
  sockets->v4 = kInvalidHandle;
  sockets->v6 = kInvalidHandle;
  const int err = handles_.Adopt(env, v4, v6);
  if (err != 0) {
    ThrowSystemError(env, "openUdp", err);
    return;
  }
  const UdpOffloads offloads = UdpEnableOffloads(Sockets());
  gso_available_ = offloads.gso;
  gso_ = offloads.gso;
  Value().DefineProperties({
      Napi::PropertyDescriptor::Value("port", Napi::Number::New(env, sockets->port),
                                      napi_enumerable),
      Napi::PropertyDescriptor::Value("ipv6", Napi::Boolean::New(env, v6 != kInvalidHandle),
                                      napi_enumerable),
  });
}

Napi::Value UdpSocket::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Function callback;
  if (!ReadFunction(env, info[0], "UdpSocket.start: onDatagrams", &callback)) {
    return env.Undefined();
  }
  if (handles_.closed()) {
    ThrowStateError(env, "UdpSocket.start: socket is closed");
    return env.Undefined();
  }
  if (channel_.is_open()) {
    ThrowStateError(env, "UdpSocket.start: already started");
    return env.Undefined();
  }
  if (!channel_.Open(env, BatchChannel::Kind::kDatagrams, callback, "SlipstreamUdpSocket")) {
    return env.Undefined();
  }
  receiver_ = DatagramReceiver::Create(channel_.slots());
  const int err = handles_.StartPolling();
  if (err != 0) {
    channel_.Close();
    receiver_.reset();
    ThrowSystemError(env, "UdpSocket.start", err);
    return env.Undefined();
  }
  // Like a bound socket in Node: alive while receiving, until closed.
  Ref();
  referenced_ = true;
  return env.Undefined();
}

UdpInfo UdpSocket::Sockets() const {
  UdpInfo sockets;
  sockets.v4 = handles_.handle(0);
  sockets.v6 = handles_.handle(1);
  return sockets;
}

Napi::Value UdpSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* data = nullptr;
  size_t length = 0;
  IpAddress to;
  uint32_t port = 0;
  if (!ReadBytes(env, info[0], "UdpSocket.send: data", &data, &length) ||
      !ReadIpBytes(env, info[1], "UdpSocket.send: addr", &to) ||
      !ReadUint32(env, info[2], "UdpSocket.send: port", 1, 65535, &port)) {
    return env.Undefined();
  }
  if (handles_.closed()) return Napi::Number::New(env, EBADF);
  ++counters_.send_syscalls;
  const int err = UdpSend(Sockets(), data, length, to, static_cast<uint16_t>(port));
  if (err == 0) {
    ++counters_.datagrams_sent;
  } else {
    ++counters_.send_errors;
  }
  return Napi::Number::New(env, err);
}

Napi::Value UdpSocket::SendSegments(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* data = nullptr;
  size_t length = 0;
  uint32_t segment = 0;
  IpAddress to;
  uint32_t port = 0;
  if (!ReadBytes(env, info[0], "UdpSocket.sendSegments: data", &data, &length) ||
      !ReadUint32(env, info[1], "UdpSocket.sendSegments: segmentSize", 1, 65535, &segment) ||
      !ReadIpBytes(env, info[2], "UdpSocket.sendSegments: addr", &to) ||
      !ReadUint32(env, info[3], "UdpSocket.sendSegments: port", 1, 65535, &port)) {
    return env.Undefined();
  }
  if (length == 0) {
    ThrowRangeError(env, "UdpSocket.sendSegments: data is empty");
    return env.Undefined();
  }
  if (handles_.closed()) return Napi::Number::New(env, EBADF);
  const bool had_gso = gso_;
  const int err = UdpSendSegments(Sockets(), data, length, segment, to,
                                  static_cast<uint16_t>(port), &gso_, &counters_);
  if (had_gso && !gso_) refused_ = true;
  return Napi::Number::New(env, err);
}

Napi::Value UdpSocket::SetGso(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool enabled = false;
  if (!ReadBoolean(env, info[0], "UdpSocket.setGso: enabled", &enabled)) return env.Undefined();
  gso_ = enabled && gso_available_ && !refused_;
  return env.Undefined();
}

Napi::Value UdpSocket::GetGso(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), gso_);
}

Napi::Value UdpSocket::GetGsoFallbacks(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(counters_.gso_fallbacks));
}

Napi::Value UdpSocket::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const auto set = [&](const char* key, uint64_t v) {
    o.Set(key, Napi::Number::New(env, static_cast<double>(v)));
  };
  set("sendSyscalls", counters_.send_syscalls);
  set("datagramsSent", counters_.datagrams_sent);
  set("gsoSends", counters_.gso_sends);
  set("segmentsSent", counters_.segments_sent);
  set("recvSyscalls", counters_.recv_syscalls);
  set("datagramsReceived", counters_.datagrams_received);
  set("groCoalesced", counters_.gro_coalesced);
  set("gsoFallbacks", counters_.gso_fallbacks);
  set("sendErrors", counters_.send_errors);
  return o;
}

Napi::Value UdpSocket::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

void UdpSocket::Shutdown() {
  handles_.Close();
  channel_.Close();
  receiver_.reset();
  if (referenced_) {
    referenced_ = false;
    Unref();
  }
}

void UdpSocket::OnReadable(void* self, size_t index) {
  auto* socket = static_cast<UdpSocket*>(self);
  Napi::Env env = socket->Env();
  Napi::HandleScope scope(env);
  // Hold the JS object while we work: the callback may close it and drop
  // the last reference.
  Napi::Object keep_alive = socket->Value();
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    if (socket->handles_.closed() || !socket->channel_.is_open()) break;
    size_t buffers = 0;
    size_t entries = 0;
    const int err = socket->receiver_->Receive(socket->handles_.handle(index), kBatchCapacity,
                                               &buffers, &entries, &socket->counters_);
    if (entries > 0 && !socket->channel_.Deliver(entries)) break;
    if (err != 0 || buffers < kBatchCapacity) break;
  }
  (void)keep_alive;
}

}  // namespace slipstream
