// The JS side of a receive path: one arena Buffer, the typed arrays that
// describe a batch, one batch object wrapping them, and the callback that is
// handed that object. Everything is allocated once, when reading starts, and
// reused for every batch, so delivering packets allocates nothing per packet.
#ifndef SLIPSTREAM_BATCH_CHANNEL_H_
#define SLIPSTREAM_BATCH_CHANNEL_H_

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "platform.h"

namespace slipstream {

class BatchChannel {
 public:
  enum class Kind { kPackets, kDatagrams };

  BatchChannel() = default;
  BatchChannel(const BatchChannel&) = delete;
  BatchChannel& operator=(const BatchChannel&) = delete;

  // Allocate the arena and batch object and remember the callback. Returns
  // false with a pending JS exception on failure.
  bool Open(Napi::Env env, Kind kind, Napi::Function callback, const char* resource_name);
  bool is_open() const { return open_; }

  // Where the platform layer writes a batch. The memory belongs to JS
  // ArrayBuffers that this channel keeps alive, so it never moves.
  const DatagramSlots& slots() const { return slots_; }

  // Call the callback once with the first `count` packets. Returns false when
  // the callback threw (the exception has been raised as an uncaught
  // exception) or the channel was closed from inside the callback.
  bool Deliver(size_t count);

  // Drop the callback and the batch buffers. Safe from inside the callback:
  // then the release happens once the callback has returned.
  void Close();

 private:
  void Release();

  napi_env env_ = nullptr;
  bool open_ = false;
  bool delivering_ = false;
  bool close_requested_ = false;
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
  Napi::ObjectReference batch_;
  // Keep the typed arrays alive even if JS redefines properties on the batch.
  Napi::Reference<Napi::Buffer<uint8_t>> arena_;
  Napi::Reference<Napi::Uint32Array> offsets_;
  Napi::Reference<Napi::Uint32Array> lengths_;
  Napi::Reference<Napi::Uint16Array> ports_;
  Napi::Reference<Napi::Uint8Array> families_;
  Napi::Reference<Napi::Uint8Array> addrs_;
  DatagramSlots slots_;
};

}  // namespace slipstream

#endif  // SLIPSTREAM_BATCH_CHANNEL_H_
