#include "udp_socket.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

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
                                                InstanceMethod<&UdpSocket::SendMany>("sendMany"),
                                                InstanceMethod<&UdpSocket::SetGso>("setGso"),
                                                InstanceMethod<&UdpSocket::SetGro>("setGro"),
                                                InstanceMethod<&UdpSocket::Stats>("stats"),
                                                InstanceAccessor<&UdpSocket::GetGso>("gso"),
                                                InstanceAccessor<&UdpSocket::GetGro>("gro"),
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
  gro_available_ = offloads.gro;
  gro_ = offloads.gro;
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
  if (reading()) {
    ThrowStateError(env, "UdpSocket.start: already started (or read by the native data path)");
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

Napi::Value UdpSocket::SendMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* const what = "UdpSocket.sendMany";
  const uint8_t* data = nullptr;
  size_t length = 0;
  Napi::Uint32Array offsets;
  Napi::Uint32Array lengths;
  uint32_t count = 0;
  const uint8_t* addrs = nullptr;
  size_t addrs_length = 0;
  const uint8_t* families = nullptr;
  size_t families_length = 0;
  Napi::Uint16Array ports;
  if (!ReadBytes(env, info[0], std::string(what) + ": data", &data, &length) ||
      !ReadUint32Array(env, info[1], std::string(what) + ": offsets", &offsets) ||
      !ReadUint32Array(env, info[2], std::string(what) + ": lengths", &lengths) ||
      !ReadUint32(env, info[3], std::string(what) + ": count", 0, 0xffffffffu, &count) ||
      !ReadBytes(env, info[4], std::string(what) + ": addrs", &addrs, &addrs_length) ||
      !ReadBytes(env, info[5], std::string(what) + ": families", &families, &families_length) ||
      !ReadUint16Array(env, info[6], std::string(what) + ": ports", &ports)) {
    return env.Undefined();
  }
  if (count > offsets.ElementLength() || count > lengths.ElementLength() ||
      count > families_length || count > ports.ElementLength() || count > addrs_length / 16) {
    ThrowRangeError(env, std::string(what) + ": count exceeds the length of an array");
    return env.Undefined();
  }
  // Check everything before sending anything: a bad batch is refused whole.
  for (uint32_t i = 0; i < count; ++i) {
    if (static_cast<uint64_t>(offsets[i]) + lengths[i] > length) {
      ThrowRangeError(env, std::string(what) + ": datagram " + std::to_string(i) +
                               " lies outside data");
      return env.Undefined();
    }
    if ((families[i] != 4 && families[i] != 6) || ports[i] == 0) {
      ThrowRangeError(env, std::string(what) + ": datagram " + std::to_string(i) +
                               " needs family 4 or 6 and a port in 1..65535");
      return env.Undefined();
    }
  }
  if (handles_.closed()) return Napi::Number::New(env, 0);
  // A stack chunk at a time: no allocation per call.
  OutgoingDatagram chunk[kBatchCapacity];
  size_t total = 0;
  for (uint32_t first = 0; first < count; first += kBatchCapacity) {
    const size_t n = std::min<size_t>(kBatchCapacity, count - first);
    for (size_t k = 0; k < n; ++k) {
      const size_t i = first + k;
      OutgoingDatagram& g = chunk[k];
      g.data = data + offsets[i];
      g.length = lengths[i];
      g.to.family = families[i];
      std::memcpy(g.to.bytes, addrs + i * 16, 16);
      if (g.to.family == 4) std::memset(g.to.bytes + 4, 0, 12);
      g.port = ports[i];
    }
    size_t sent = 0;
    const int err = UdpSendMany(Sockets(), chunk, n, &sent, &counters_);
    total += sent;
    if (err == EAGAIN) {
      // Full socket buffer: the rest of the batch is dropped, like a lost packet.
      counters_.send_errors += count - first - n;
      break;
    }
  }
  return Napi::Number::New(env, static_cast<double>(total));
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

Napi::Value UdpSocket::SetGro(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool enabled = false;
  if (!ReadBoolean(env, info[0], "UdpSocket.setGro: enabled", &enabled)) return env.Undefined();
  if (handles_.closed() || !gro_available_ || enabled == gro_) return env.Undefined();
  // Only a kernel without UDP_GRO refuses this, and then gro_available_ is false.
  if (UdpSetGro(Sockets(), enabled) == 0) gro_ = enabled;
  return env.Undefined();
}

Napi::Value UdpSocket::GetGro(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), gro_);
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
    const int err = socket->receiver_->Receive(socket->handles_.handle(index), kBatchCapacity,
                                               &buffers, &socket->counters_);
    // Usually one batch; more when buffers held more datagrams than a batch
    // has entries. If the callback throws or closes the socket, the rest of
    // this receive is dropped (the receiver may be gone).
    for (;;) {
      const size_t entries = socket->receiver_->NextEntries(&socket->counters_);
      if (entries == 0) break;
      if (!socket->channel_.Deliver(entries)) return;
    }
    if (err != 0 || buffers < kBatchCapacity) break;
  }
  (void)keep_alive;
}

}  // namespace slipstream
