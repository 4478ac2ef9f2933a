#include "batch_channel.h"

namespace slipstream {
namespace {

constexpr napi_property_attributes kReadOnly = napi_enumerable;
constexpr napi_property_attributes kUpdatable =
    static_cast<napi_property_attributes>(napi_enumerable | napi_writable);

}  // namespace

bool BatchChannel::Open(Napi::Env env, Kind kind, Napi::Function callback,
                        const char* resource_name) {
  Napi::HandleScope scope(env);
  env_ = env;

  // A Node-allocated Buffer rather than an external one: Electron forbids
  // external ArrayBuffers, and a V8 backing store does not move.
  auto arena = Napi::Buffer<uint8_t>::New(env, kArenaSize);
  if (env.IsExceptionPending()) return false;
  // Both kinds: the reader writes the offsets (a TUN read may become several
  // packets when offloads split a super-packet; GRO does the same for UDP).
  // The defaults describe one packet per slot.
  const size_t entries = kind == Kind::kDatagrams ? kDatagramEntries : kTunEntries;
  auto offsets = Napi::Uint32Array::New(env, entries);
  auto lengths = Napi::Uint32Array::New(env, entries);
  if (env.IsExceptionPending()) return false;
  for (size_t i = 0; i < kBatchCapacity; ++i) {
    offsets[i] = static_cast<uint32_t>(i * kSlotSize);
  }

  Napi::Object batch = Napi::Object::New(env);
  batch.DefineProperties({
      Napi::PropertyDescriptor::Value("data", arena, kReadOnly),
      Napi::PropertyDescriptor::Value("offsets", offsets, kReadOnly),
      Napi::PropertyDescriptor::Value("lengths", lengths, kReadOnly),
      Napi::PropertyDescriptor::Value("count", Napi::Number::New(env, 0), kUpdatable),
  });
  slots_ = DatagramSlots{};
  slots_.arena = arena.Data();
  slots_.offsets = offsets.Data();
  slots_.lengths = lengths.Data();

  if (kind == Kind::kDatagrams) {
    auto ports = Napi::Uint16Array::New(env, kDatagramEntries);
    auto families = Napi::Uint8Array::New(env, kDatagramEntries);
    auto addrs = Napi::Uint8Array::New(env, kDatagramEntries * 16);
    if (env.IsExceptionPending()) return false;
    batch.DefineProperties({
        Napi::PropertyDescriptor::Value("ports", ports, kReadOnly),
        Napi::PropertyDescriptor::Value("families", families, kReadOnly),
        Napi::PropertyDescriptor::Value("addrs", addrs, kReadOnly),
    });
    slots_.ports = ports.Data();
    slots_.families = families.Data();
    slots_.addrs = addrs.Data();
    ports_ = Napi::Reference<Napi::Uint16Array>::New(ports, 1);
    families_ = Napi::Reference<Napi::Uint8Array>::New(families, 1);
    addrs_ = Napi::Reference<Napi::Uint8Array>::New(addrs, 1);
  }
  if (env.IsExceptionPending()) return false;

  auto async_context = std::make_unique<Napi::AsyncContext>(env, resource_name);
  if (env.IsExceptionPending()) return false;

  arena_ = Napi::Reference<Napi::Buffer<uint8_t>>::New(arena, 1);
  offsets_ = Napi::Reference<Napi::Uint32Array>::New(offsets, 1);
  lengths_ = Napi::Reference<Napi::Uint32Array>::New(lengths, 1);
  batch_ = Napi::Persistent(batch);
  callback_ = Napi::Persistent(callback);
  async_context_ = std::move(async_context);
  open_ = true;
  close_requested_ = false;
  return true;
}

bool BatchChannel::Deliver(size_t count) {
  if (!open_ || close_requested_) return false;
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  Napi::Object batch = batch_.Value();
  batch.Set("count", Napi::Number::New(env, static_cast<double>(count)));

  delivering_ = true;
  // MakeCallback (not Call): we are entered from libuv, so this is what runs
  // the nextTick and microtask queues afterwards and keeps async hooks right.
  callback_.MakeCallback(batch, {batch}, *async_context_);
  delivering_ = false;

  bool ok = true;
  if (env.IsExceptionPending()) {
    // Nobody on the stack could catch this: report it like any exception
    // thrown from an event callback (process 'uncaughtException').
    Napi::Error error = env.GetAndClearPendingException();
    napi_fatal_exception(env_, error.Value());
    ok = false;
  }
  if (close_requested_) {
    Release();
    ok = false;
  }
  return ok;
}

void BatchChannel::Close() {
  if (!open_) return;
  if (delivering_) {
    close_requested_ = true;
    return;
  }
  Release();
}

void BatchChannel::Release() {
  open_ = false;
  close_requested_ = false;
  callback_.Reset();
  async_context_.reset();
  batch_.Reset();
  arena_.Reset();
  offsets_.Reset();
  lengths_.Reset();
  ports_.Reset();
  families_.Reset();
  addrs_.Reset();
  slots_ = DatagramSlots{};
}

}  // namespace slipstream
