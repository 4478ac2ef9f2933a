#include "fast_path_bindings.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "../addon_data.h"
#include "../args.h"
#include "../batch_channel.h"
#include "../js_errors.h"
#include "../tun_device.h"
#include "../udp_socket.h"
#include "fast_path.h"

namespace slipstream {
namespace {

using wg::FastPath;

// DropReason names (app/tunnel/wireguard/types.ts), by wg::Drop.
const char* const kDropNames[wg::kDropCount] = {
    "no-route",           "malformed", "decrypt",     "unknown-index",       "replay",
    "expired",            "source-not-allowed",       "queue-full",          "handshake-queue-full",
};

int Duplicate(NativeHandle handle, NativeHandle* out) {
  *out = kInvalidHandle;
  if (handle == kInvalidHandle) return 0;
  const int fd = fcntl(handle, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return errno;
  *out = fd;
  return 0;
}

bool ReadKey(Napi::Env env, const Napi::Object& object, const char* name, const std::string& what,
             uint8_t* out) {
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (!ReadBytes(env, object.Get(name), what + "." + name, &data, &length)) return false;
  if (length != wg::kKeySize) {
    ThrowRangeError(env, what + "." + name + " must be 32 bytes");
    return false;
  }
  std::memcpy(out, data, wg::kKeySize);
  return true;
}

// {localIndex, remoteIndex, sendKey, receiveKey, counterHi, counterLo, ageMs, next}
bool ReadKeypair(Napi::Env env, const Napi::Value& value, const std::string& what,
                 wg::PublishedKeypair* out) {
  Napi::Object object;
  uint32_t hi = 0, lo = 0, age = 0;
  bool next = false;
  if (!ReadObject(env, value, what, &object) ||
      !ReadUint32(env, object.Get("localIndex"), what + ".localIndex", 0, 0xffffffffu,
                  &out->local_index) ||
      !ReadUint32(env, object.Get("remoteIndex"), what + ".remoteIndex", 0, 0xffffffffu,
                  &out->remote_index) ||
      !ReadKey(env, object, "sendKey", what, out->keys.send) ||
      !ReadKey(env, object, "receiveKey", what, out->keys.receive) ||
      !ReadUint32(env, object.Get("counterHi"), what + ".counterHi", 0, 0xffffffffu, &hi) ||
      !ReadUint32(env, object.Get("counterLo"), what + ".counterLo", 0, 0xffffffffu, &lo) ||
      !ReadUint32(env, object.Get("ageMs"), what + ".ageMs", 0, 0xffffffffu, &age) ||
      !ReadBoolean(env, object.Get("next"), what + ".next", &next)) {
    return false;
  }
  out->counter = static_cast<uint64_t>(hi) << 32 | lo;
  out->age_ns = static_cast<int64_t>(age) * 1000000;
  out->next = next;
  return true;
}

class FastPathObject : public Napi::ObjectWrap<FastPathObject> {
 public:
  static Napi::Function DefineClass(Napi::Env env) {
    return ObjectWrap<FastPathObject>::DefineClass(
        env, "FastPath",
        {
            InstanceMethod<&FastPathObject::Start>("start"),
            InstanceMethod<&FastPathObject::SetPeer>("setPeer"),
            InstanceMethod<&FastPathObject::RemovePeer>("removePeer"),
            InstanceMethod<&FastPathObject::SetKeypairs>("setKeypairs"),
            InstanceMethod<&FastPathObject::Transmit>("transmit"),
            InstanceMethod<&FastPathObject::PeerCounters>("peerCounters"),
            InstanceMethod<&FastPathObject::Drops>("drops"),
            InstanceMethod<&FastPathObject::Stats>("stats"),
            InstanceMethod<&FastPathObject::Stop>("stop"),
        });
  }

  static Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    AddonData* data = AddonData::Of(env);
    if (!info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(data->tun_device.Value()) ||
        !info[1].IsObject() || !info[1].As<Napi::Object>().InstanceOf(data->udp_socket.Value())) {
      ThrowTypeError(env, "openFastPath: needs a TunDevice and a UdpSocket from this addon");
      return env.Undefined();
    }
    TunDevice* tun = TunDevice::Unwrap(info[0].As<Napi::Object>());
    UdpSocket* udp = UdpSocket::Unwrap(info[1].As<Napi::Object>());
    Napi::Object options;
    uint32_t mtu = 0;
    bool gso = true;
    if (!ReadObject(env, info[2], "openFastPath: options", &options) ||
        !ReadUint32(env, options.Get("mtu"), "openFastPath: options.mtu", 0, 65535, &mtu) ||
        !ReadBoolean(env, options.Get("gso"), "openFastPath: options.gso", &gso)) {
      return env.Undefined();
    }
    if (tun->closed() || udp->closed()) {
      ThrowStateError(env, "openFastPath: the device or socket is closed");
      return env.Undefined();
    }
    if (tun->reading() || udp->reading()) {
      ThrowStateError(env, "openFastPath: the device or socket is already read elsewhere");
      return env.Undefined();
    }
    if (!wg::Init()) {
      ThrowSystemError(env, "openFastPath", ENOTSUP);
      return env.Undefined();
    }
    wg::FastPathOptions opened;
    opened.offloads = tun->offloads();
    opened.gso = gso && udp->gso_enabled();
    opened.mtu = mtu;
    const UdpInfo sockets = udp->sockets();
    // Its own duplicates: closing the JS objects first can then never hand the
    // threads a number the process reuses for something else.
    int err = Duplicate(tun->native_handle(), &opened.tun);
    if (err == 0) err = Duplicate(sockets.v4, &opened.udp.v4);
    if (err == 0) err = Duplicate(sockets.v6, &opened.udp.v6);
    opened.udp.port = sockets.port;
    if (err != 0) {
      for (NativeHandle h : {opened.tun, opened.udp.v4, opened.udp.v6}) {
        if (h != kInvalidHandle) close(h);
      }
      ThrowSystemError(env, "openFastPath", err);
      return env.Undefined();
    }
    Napi::Object object =
        data->fast_path.New({Napi::External<wg::FastPathOptions>::New(env, &opened)});
    if (env.IsExceptionPending()) return env.Undefined();
    tun->Claim();
    udp->Claim();
    return object;
  }

  explicit FastPathObject(const Napi::CallbackInfo& info) : ObjectWrap<FastPathObject>(info) {
    Napi::Env env = info.Env();
    if (info.Length() != 1 || !info[0].IsExternal()) {
      ThrowTypeError(env, "FastPath cannot be constructed directly; use openFastPath()");
      return;
    }
    const wg::FastPathOptions& options = *info[0].As<Napi::External<wg::FastPathOptions>>().Data();
    core_ = std::make_unique<FastPath>(options, [this] { Wake(); });
    env_ = env;
    napi_add_env_cleanup_hook(env, OnEnvTeardown, this);
  }

  ~FastPathObject() override {
    StopAll();
    if (env_ != nullptr) napi_remove_env_cleanup_hook(env_, OnEnvTeardown, this);
  }

 private:
  static void OnEnvTeardown(void* arg) {
    auto* self = static_cast<FastPathObject*>(arg);
    self->StopAll();
    self->env_ = nullptr;
  }

  // start(onTunPackets, onDatagrams, onActivity)
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Function on_tun, on_udp, on_activity;
    if (!ReadFunction(env, info[0], "FastPath.start: onTunPackets", &on_tun) ||
        !ReadFunction(env, info[1], "FastPath.start: onDatagrams", &on_udp) ||
        !ReadFunction(env, info[2], "FastPath.start: onActivity", &on_activity)) {
      return env.Undefined();
    }
    if (started_ || stopped_) {
      ThrowStateError(env, "FastPath.start: already started");
      return env.Undefined();
    }
    if (!tun_channel_.Open(env, BatchChannel::Kind::kPackets, on_tun, "SlipstreamFastPathTun") ||
        !udp_channel_.Open(env, BatchChannel::Kind::kDatagrams, on_udp, "SlipstreamFastPathUdp")) {
      tun_channel_.Close();
      udp_channel_.Close();
      return env.Undefined();
    }
    activity_ = Napi::Persistent(on_activity);
    context_ = std::make_unique<Napi::AsyncContext>(env, "SlipstreamFastPathActivity");
    tsfn_ = Napi::ThreadSafeFunction::New(env, on_activity, "SlipstreamFastPath", 0, 1);
    const int err = core_->Start();
    if (err != 0) {
      StopAll();
      ThrowSystemError(env, "FastPath.start", err);
      return env.Undefined();
    }
    started_ = true;
    return env.Undefined();
  }

  // setPeer(id, prefixes, addr | null, port): prefixes packed 18 bytes each
  // (family 4|6, prefix length, 16 address bytes).
  Napi::Value SetPeer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t id = 0, port = 0;
    const uint8_t* packed = nullptr;
    size_t packed_length = 0;
    IpAddress endpoint;
    const bool has_endpoint = !info[2].IsNull();
    if (!ReadUint32(env, info[0], "FastPath.setPeer: id", 0, 0xffffffffu, &id) ||
        !ReadBytes(env, info[1], "FastPath.setPeer: prefixes", &packed, &packed_length) ||
        (has_endpoint && !ReadIpBytes(env, info[2], "FastPath.setPeer: addr", &endpoint)) ||
        !ReadUint32(env, info[3], "FastPath.setPeer: port", 0, 65535, &port)) {
      return env.Undefined();
    }
    if (packed_length % 18 != 0) {
      ThrowRangeError(env, "FastPath.setPeer: prefixes must be 18 bytes each");
      return env.Undefined();
    }
    std::vector<wg::Prefix> prefixes(packed_length / 18);
    for (size_t i = 0; i < prefixes.size(); ++i) {
      const uint8_t* p = packed + 18 * i;
      if ((p[0] != 4 && p[0] != 6) || p[1] > (p[0] == 4 ? 32 : 128)) {
        ThrowRangeError(env, "FastPath.setPeer: bad prefix");
        return env.Undefined();
      }
      prefixes[i].family = p[0];
      prefixes[i].length = p[1];
      std::memcpy(prefixes[i].bytes, p + 2, 16);
    }
    core_->table().SetPeer(id, has_endpoint, endpoint, static_cast<uint16_t>(port), prefixes);
    return env.Undefined();
  }

  Napi::Value RemovePeer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t id = 0;
    if (!ReadUint32(env, info[0], "FastPath.removePeer: id", 0, 0xffffffffu, &id)) {
      return env.Undefined();
    }
    core_->table().RemovePeer(id);
    return env.Undefined();
  }

  // setKeypairs(id, send | null, receiving[])
  Napi::Value SetKeypairs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t id = 0;
    if (!ReadUint32(env, info[0], "FastPath.setKeypairs: id", 0, 0xffffffffu, &id)) {
      return env.Undefined();
    }
    wg::PublishedKeypair send;
    const bool has_send = !info[1].IsNull();
    if (has_send && !ReadKeypair(env, info[1], "FastPath.setKeypairs: send", &send)) {
      return env.Undefined();
    }
    if (!info[2].IsArray() || info[2].As<Napi::Array>().Length() > 3) {
      ThrowTypeError(env, "FastPath.setKeypairs: receiving must be an array of at most 3");
      return env.Undefined();
    }
    Napi::Array list = info[2].As<Napi::Array>();
    wg::PublishedKeypair receiving[3];
    const uint32_t count = list.Length();
    for (uint32_t i = 0; i < count; ++i) {
      if (!ReadKeypair(env, list.Get(i), "FastPath.setKeypairs: receiving", &receiving[i])) {
        return env.Undefined();
      }
    }
    core_->table().SetKeypairs(id, has_send ? &send : nullptr, receiving, count);
    sodium_wipe(&send);
    for (auto& k : receiving) sodium_wipe(&k);
    return env.Undefined();
  }

  static void sodium_wipe(wg::PublishedKeypair* k) {
    volatile uint8_t* p = reinterpret_cast<volatile uint8_t*>(&k->keys);
    for (size_t i = 0; i < sizeof k->keys; ++i) p[i] = 0;
  }

  // transmit(id, packet, padded): 0, an errno, or -1 (no keypair that may send).
  Napi::Value Transmit(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t id = 0, padded = 0;
    const uint8_t* packet = nullptr;
    size_t length = 0;
    if (!ReadUint32(env, info[0], "FastPath.transmit: id", 0, 0xffffffffu, &id) ||
        !ReadBytes(env, info[1], "FastPath.transmit: packet", &packet, &length) ||
        !ReadUint32(env, info[2], "FastPath.transmit: padded", 0, wg::kMaxContent, &padded)) {
      return env.Undefined();
    }
    if (padded < length) {
      ThrowRangeError(env, "FastPath.transmit: padded is shorter than the packet");
      return env.Undefined();
    }
    if (stopped_) return Napi::Number::New(env, -1);
    return Napi::Number::New(env, core_->Transmit(id, packet, length, padded));
  }

  // peerCounters(id): [rxBytes, rxPackets, txBytes, txPackets] or null.
  Napi::Value PeerCounters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t id = 0;
    if (!ReadUint32(env, info[0], "FastPath.peerCounters: id", 0, 0xffffffffu, &id)) {
      return env.Undefined();
    }
    auto peer = core_->table().Peer(id);
    if (!peer) return env.Null();
    Napi::Array out = Napi::Array::New(env, 4);
    out.Set(0u, Napi::Number::New(env, static_cast<double>(peer->rx_bytes.load())));
    out.Set(1u, Napi::Number::New(env, static_cast<double>(peer->rx_packets.load())));
    out.Set(2u, Napi::Number::New(env, static_cast<double>(peer->tx_bytes.load())));
    out.Set(3u, Napi::Number::New(env, static_cast<double>(peer->tx_packets.load())));
    return out;
  }

  Napi::Value Drops(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    for (uint32_t i = 0; i < wg::kDropCount; ++i) {
      out.Set(kDropNames[i],
              Napi::Number::New(env, static_cast<double>(core_->drops(static_cast<wg::Drop>(i)))));
    }
    return out;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    TunCounters tun;
    UdpCounters udp;
    core_->Counters(&tun, &udp);
    auto n = [&](uint64_t v) { return Napi::Number::New(env, static_cast<double>(v)); };
    Napi::Object t = Napi::Object::New(env);
    t.Set("readSyscalls", n(tun.read_syscalls));
    t.Set("packetsRead", n(tun.packets_read));
    t.Set("writeSyscalls", n(tun.write_syscalls));
    t.Set("packetsWritten", n(tun.packets_written));
    t.Set("writeErrors", n(tun.write_errors));
    t.Set("superPacketsRead", n(tun.super_packets_read));
    t.Set("checksumsCompleted", n(tun.checksums_completed));
    t.Set("readDrops", n(tun.read_drops));
    t.Set("superPacketsWritten", n(tun.super_packets_written));
    t.Set("packetsCoalesced", n(tun.packets_coalesced));
    t.Set("coalescingDisabled", n(tun.coalescing_disabled));
    Napi::Object u = Napi::Object::New(env);
    u.Set("sendSyscalls", n(udp.send_syscalls));
    u.Set("datagramsSent", n(udp.datagrams_sent));
    u.Set("gsoSends", n(udp.gso_sends));
    u.Set("segmentsSent", n(udp.segments_sent));
    u.Set("recvSyscalls", n(udp.recv_syscalls));
    u.Set("datagramsReceived", n(udp.datagrams_received));
    u.Set("groCoalesced", n(udp.gro_coalesced));
    u.Set("gsoFallbacks", n(udp.gso_fallbacks));
    u.Set("sendErrors", n(udp.send_errors));
    Napi::Object out = Napi::Object::New(env);
    out.Set("tun", t);
    out.Set("udp", u);
    out.Set("gso", Napi::Boolean::New(env, core_->gso()));
    return out;
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    StopAll();
    return info.Env().Undefined();
  }

  void StopAll() {
    if (stopped_) return;
    stopped_ = true;
    if (core_) core_->Stop();
    if (tsfn_) {
      tsfn_.Abort();
      tsfn_ = Napi::ThreadSafeFunction();
    }
    tun_channel_.Close();
    udp_channel_.Close();
    activity_.Reset();
    context_.reset();
  }

  // On a data path thread: one pending call at a time is enough.
  void Wake() {
    if (signaled_.exchange(true)) return;
    if (tsfn_.NonBlockingCall(this, [](Napi::Env env, Napi::Function, FastPathObject* self) {
          if (env != nullptr) self->Drain(env);
        }) != napi_ok) {
      signaled_.store(false);
    }
  }

  // On the loop thread: activity first, then handshakes, then TUN packets.
  void Drain(Napi::Env env) {
    signaled_.store(false);
    if (stopped_) return;
    Napi::HandleScope scope(env);
    Napi::Array records = Napi::Array::New(env);
    uint32_t n = 0;
    for (const auto& peer : core_->table().Peers()) {
      const uint32_t flags = peer->flags.exchange(0);
      if (flags == 0) continue;
      Napi::Object record = Napi::Object::New(env);
      record.Set("id", Napi::Number::New(env, peer->id));
      record.Set("flags", Napi::Number::New(env, flags));
      record.Set("nextIndex", Napi::Number::New(env, peer->next_index.load()));
      if ((flags & wg::kEndpointMoved) != 0) {
        IpAddress endpoint;
        uint16_t port;
        {
          std::lock_guard<std::mutex> lock(core_->table().mutex());
          endpoint = peer->endpoint;
          port = peer->port;
        }
        const size_t size = endpoint.family == 4 ? 4 : 16;
        Napi::Uint8Array addr = Napi::Uint8Array::New(env, size);
        std::memcpy(addr.Data(), endpoint.bytes, size);
        record.Set("addr", addr);
        record.Set("port", Napi::Number::New(env, port));
      }
      records.Set(n++, record);
    }
    if (n > 0) {
      activity_.MakeCallback(env.Global(), {records}, *context_);
      if (!ReportException(env) || stopped_) return;
    }
    if (!Deliver(env, core_->declined_udp(), &udp_channel_, true)) return;
    Deliver(env, core_->declined_tun(), &tun_channel_, false);
  }

  bool ReportException(Napi::Env env) {
    if (!env.IsExceptionPending()) return true;
    Napi::Error error = env.GetAndClearPendingException();
    napi_fatal_exception(env, error.Value());
    return false;
  }

  bool Deliver(Napi::Env env, wg::DeclinedQueue& queue, BatchChannel* channel, bool datagrams) {
    queue.Take(&take_bytes_, &take_entries_);
    size_t at = 0;
    while (at < take_entries_.size()) {
      if (stopped_ || !channel->is_open()) return false;
      const DatagramSlots& slots = channel->slots();
      size_t used = 0;
      size_t count = 0;
      for (; at < take_entries_.size() && count < kBatchCapacity; ++at, ++count) {
        const wg::DeclinedEntry& entry = take_entries_[at];
        if (used + entry.length > kArenaSize) break;
        std::memcpy(slots.arena + used, take_bytes_.data() + entry.offset, entry.length);
        slots.offsets[count] = static_cast<uint32_t>(used);
        slots.lengths[count] = entry.length;
        if (datagrams) {
          slots.ports[count] = entry.port;
          slots.families[count] = entry.family;
          std::memcpy(slots.addrs + 16 * count, entry.addr, 16);
        }
        used += entry.length;
      }
      if (!channel->Deliver(count)) return false;
    }
    (void)env;
    return true;
  }

  std::unique_ptr<FastPath> core_;
  napi_env env_ = nullptr;
  Napi::ThreadSafeFunction tsfn_;
  std::atomic<bool> signaled_{false};
  BatchChannel tun_channel_;
  BatchChannel udp_channel_;
  Napi::FunctionReference activity_;
  std::unique_ptr<Napi::AsyncContext> context_;
  bool started_ = false;
  bool stopped_ = false;
  std::vector<uint8_t> take_bytes_;
  std::vector<wg::DeclinedEntry> take_entries_;
};

// ---- test hooks: the transport AEAD and replay window, against the TypeScript reference.

}  // namespace

void ExportFastPath(Napi::Env env, Napi::Object exports) {
  AddonData::Of(env)->fast_path = Napi::Persistent(FastPathObject::DefineClass(env));
  exports.Set("openFastPath", Napi::Function::New<FastPathObject::Open>(env, "openFastPath"));
  ExportFastPathTestHooks(env, exports);
}

}  // namespace slipstream
