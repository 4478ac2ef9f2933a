// The JS UdpSocket object (see app/native/types.ts): an IPv4 and an IPv6 UDP
// socket on one port, both read in batches into one shared arena when started.
#ifndef SLIPSTREAM_UDP_SOCKET_H_
#define SLIPSTREAM_UDP_SOCKET_H_

#include <napi.h>

#include <memory>

#include "batch_channel.h"
#include "handle_set.h"
#include "platform.h"

namespace slipstream {

class UdpSocket : public Napi::ObjectWrap<UdpSocket> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  // openUdp({port, fwmark}): the module-level factory.
  static Napi::Value Open(const Napi::CallbackInfo& info);

  // Only reachable through Open(), which passes the opened sockets as an External.
  explicit UdpSocket(const Napi::CallbackInfo& info);

  // For the native data path (fastpath/), which uses its own copies of the sockets.
  UdpInfo sockets() const { return Sockets(); }
  bool gso_enabled() const { return gso_; }
  // Reading here or on the data path's threads, never both (two readers would each
  // see part of the traffic, and JS could accept a message the threads already did).
  bool reading() const { return channel_.is_open() || claimed_; }
  void Claim() { claimed_ = true; }
  bool closed() const { return handles_.closed(); }

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value SendSegments(const Napi::CallbackInfo& info);
  Napi::Value SendMany(const Napi::CallbackInfo& info);
  Napi::Value SetGso(const Napi::CallbackInfo& info);
  Napi::Value GetGso(const Napi::CallbackInfo& info);
  Napi::Value SetGro(const Napi::CallbackInfo& info);
  Napi::Value GetGro(const Napi::CallbackInfo& info);
  Napi::Value GetGsoFallbacks(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  UdpInfo Sockets() const;
  Napi::Value Close(const Napi::CallbackInfo& info);
  void Shutdown();
  static void OnReadable(void* self, size_t index);

  HandleSet handles_;
  BatchChannel channel_;
  bool claimed_ = false;
  std::unique_ptr<DatagramReceiver> receiver_;
  bool referenced_ = false;
  UdpCounters counters_;
  // gso_available_: the kernel has UDP_SEGMENT; gso_: sends use it now (off
  // after a refusal or setGso(false)); refused_: a refusal happened, so
  // setGso(true) cannot bring it back.
  bool gso_available_ = false;
  bool gso_ = false;
  bool refused_ = false;
  // gro_available_: the kernel has UDP_GRO; gro_: it is on now.
  bool gro_available_ = false;
  bool gro_ = false;
};

}  // namespace slipstream

#endif  // SLIPSTREAM_UDP_SOCKET_H_
