// Test-only export `ringTesting`: drives ring_batch.cc and adapter_recovery.cc
// against scripted fakes, so their behaviour is checked on every platform
// (the code above the Wintun seam is the same on Linux and Windows; only the
// DLL calls below it need a real Windows). Used by
// test/unit/native/wintun-ring.test.ts; nothing in the app calls it.
#include "test_ring.h"

#include <deque>
#include <string>
#include <vector>

#include "../js_errors.h"
#include "adapter_recovery.h"
#include "ring_batch.h"

namespace slipstream {
namespace {

const char* StatusName(RingStatus s) {
  switch (s) {
    case RingStatus::kOk:
      return "ok";
    case RingStatus::kEmpty:
      return "empty";
    case RingStatus::kFull:
      return "full";
    case RingStatus::kClosed:
      return "closed";
    case RingStatus::kError:
      return "error";
  }
  return "?";
}

RingStatus StatusFrom(const std::string& name) {
  if (name == "closed") return RingStatus::kClosed;
  if (name == "error") return RingStatus::kError;
  return RingStatus::kEmpty;
}

// Reads an array of small non-negative integers; false with a TypeError pending otherwise.
bool ReadNumbers(Napi::Env env, Napi::Value value, const char* what, std::vector<uint32_t>* out) {
  if (!value.IsArray()) {
    ThrowTypeError(env, std::string(what) + " must be an array");
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value v = array.Get(i);
    if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 0 ||
        v.As<Napi::Number>().DoubleValue() > 1e6) {
      ThrowTypeError(env, std::string(what) + " must hold numbers 0..1e6");
      return false;
    }
    out->push_back(v.As<Napi::Number>().Uint32Value());
  }
  return true;
}

uint32_t NumberOr(Napi::Object o, const char* key, uint32_t fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : fallback;
}

std::string StringOr(Napi::Object o, const char* key, const char* fallback) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}

// A ring holding scripted packets (packet i is `lengths[i]` bytes of value
// i+1), then ending in `end`; sends fail with kFull `full_for` times.
class FakeRing : public PacketRing {
 public:
  std::deque<std::vector<uint8_t>> inbound;
  RingStatus end = RingStatus::kEmpty;
  uint32_t full_for = 0;
  RingStatus send_failure = RingStatus::kFull;
  uint32_t outstanding = 0;  // received and not yet released
  uint32_t allocates = 0;
  uint32_t yields = 0;
  std::vector<std::vector<uint8_t>> sent;
  std::vector<uint8_t> pending;

  RingStatus Receive(const uint8_t** packet, uint32_t* length) override {
    if (inbound.empty()) return end;
    current_ = std::move(inbound.front());
    inbound.pop_front();
    *packet = current_.data();
    *length = static_cast<uint32_t>(current_.size());
    ++outstanding;
    return RingStatus::kOk;
  }
  void ReleaseReceived(const uint8_t* /*packet*/) override { --outstanding; }
  RingStatus Allocate(uint32_t length, uint8_t** packet) override {
    ++allocates;
    if (full_for > 0) {
      --full_for;
      return send_failure;
    }
    pending.assign(length, 0);
    *packet = pending.data();
    return RingStatus::kOk;
  }
  void Send(uint8_t* /*packet*/) override { sent.push_back(pending); }
  void Backoff() override { ++yields; }

 private:
  std::vector<uint8_t> current_;
};

Napi::Value Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    ThrowTypeError(env, "ringTesting.drain: options must be an object");
    return env.Undefined();
  }
  Napi::Object o = info[0].As<Napi::Object>();
  std::vector<uint32_t> lengths;
  if (!ReadNumbers(env, o.Get("packets"), "ringTesting.drain: packets", &lengths)) {
    return env.Undefined();
  }
  FakeRing ring;
  for (size_t i = 0; i < lengths.size(); ++i) {
    ring.inbound.emplace_back(lengths[i], static_cast<uint8_t>(i + 1));
  }
  ring.end = StatusFrom(StringOr(o, "end", "empty"));
  const size_t max = NumberOr(o, "max", 64);
  const size_t slot = NumberOr(o, "slotSize", 65535);
  if (max == 0 || max > 4096 || slot == 0 || slot > 65535) {
    ThrowTypeError(env, "ringTesting.drain: max 1..4096, slotSize 1..65535");
    return env.Undefined();
  }
  std::vector<uint8_t> arena(max * slot, 0);
  std::vector<uint32_t> out_lengths(max, 0);
  RingCounters counters;
  Napi::Array batches = Napi::Array::New(env);
  // Drain the way the TUN reader does: batch after batch until the ring stops.
  for (uint32_t b = 0; b < 1000; ++b) {
    const DrainResult r = DrainBatch(ring, arena.data(), slot, out_lengths.data(), max, &counters);
    Napi::Object batch = Napi::Object::New(env);
    Napi::Array lens = Napi::Array::New(env, r.count);
    Napi::Array marks = Napi::Array::New(env, r.count);
    bool intact = true;
    for (size_t i = 0; i < r.count; ++i) {
      lens.Set(static_cast<uint32_t>(i), out_lengths[i]);
      const uint8_t* p = arena.data() + i * slot;
      marks.Set(static_cast<uint32_t>(i), out_lengths[i] > 0 ? p[0] : 0);
      for (uint32_t k = 0; k < out_lengths[i]; ++k) intact = intact && p[k] == p[0];
    }
    batch.Set("lengths", lens);
    batch.Set("marks", marks);
    batch.Set("intact", intact);
    batch.Set("stop", StatusName(r.stop));
    batches.Set(b, batch);
    if (r.stop != RingStatus::kOk) break;
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("batches", batches);
  result.Set("received", static_cast<double>(counters.received));
  result.Set("oversize", static_cast<double>(counters.receive_oversize));
  result.Set("unreleased", ring.outstanding);
  result.Set("left", static_cast<double>(ring.inbound.size()));
  return result;
}

Napi::Value Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    ThrowTypeError(env, "ringTesting.send: options must be an object");
    return env.Undefined();
  }
  Napi::Object o = info[0].As<Napi::Object>();
  std::vector<uint32_t> full_for;
  if (!ReadNumbers(env, o.Get("fullFor"), "ringTesting.send: fullFor", &full_for)) {
    return env.Undefined();
  }
  FakeRing ring;
  const std::string failure = StringOr(o, "failure", "full");
  ring.send_failure = failure == "full" ? RingStatus::kFull : StatusFrom(failure);
  SendBudget budget;
  budget.spins = NumberOr(o, "spins", budget.spins);
  budget.yields = NumberOr(o, "yields", budget.yields);
  const uint32_t length = NumberOr(o, "length", 100);
  RingCounters counters;
  Napi::Array statuses = Napi::Array::New(env);
  // One send per entry of fullFor: the ring refuses that send's first n allocations.
  for (size_t i = 0; i < full_for.size(); ++i) {
    ring.full_for = full_for[i];
    std::vector<uint8_t> packet(length, static_cast<uint8_t>(i + 1));
    statuses.Set(static_cast<uint32_t>(i),
                 StatusName(SendPacket(ring, packet.data(), length, budget, &counters)));
  }
  bool intact = true;
  for (const auto& p : ring.sent) intact = intact && p.size() == length;
  Napi::Object result = Napi::Object::New(env);
  result.Set("statuses", statuses);
  result.Set("allocates", ring.allocates);
  result.Set("yields", ring.yields);
  result.Set("sent", static_cast<double>(counters.sent));
  result.Set("drops", static_cast<double>(counters.send_full_drops));
  result.Set("waits", static_cast<double>(counters.send_full_waits));
  result.Set("delivered", static_cast<uint32_t>(ring.sent.size()));
  result.Set("intact", intact);
  return result;
}

// Scripted adapter calls: create/open answers are consumed in order (the last
// one repeats); every call is recorded; handles are numbered from 1.
class FakeAdapters : public AdapterApi {
 public:
  std::vector<std::string> create;
  std::vector<std::string> open;
  std::vector<std::string> calls;
  std::vector<uintptr_t> live;
  uintptr_t next = 1;

  AdapterStatus Create(Handle* out) override { return Answer("create", create, &creates_, out); }
  AdapterStatus Open(Handle* out) override { return Answer("open", open, &opens_, out); }
  void Close(Handle adapter) override {
    const auto h = reinterpret_cast<uintptr_t>(adapter);
    calls.push_back("close:" + std::to_string(h));
    for (auto it = live.begin(); it != live.end(); ++it) {
      if (*it == h) {
        live.erase(it);
        break;
      }
    }
  }
  void Sleep(uint32_t ms) override { calls.push_back("sleep:" + std::to_string(ms)); }

 private:
  AdapterStatus Answer(const char* what, const std::vector<std::string>& script, size_t* used,
                       Handle* out) {
    const std::string answer =
        script.empty() ? "error" : script[*used < script.size() ? *used : script.size() - 1];
    ++*used;
    if (answer == "ok") {
      const uintptr_t h = next++;
      live.push_back(h);
      *out = reinterpret_cast<Handle>(h);
      calls.push_back(std::string(what) + ":" + std::to_string(h));
      return AdapterStatus::kOk;
    }
    calls.push_back(std::string(what) + ":" + answer);
    if (answer == "exists") return AdapterStatus::kExists;
    if (answer == "notfound") return AdapterStatus::kNotFound;
    return AdapterStatus::kError;
  }
  size_t creates_ = 0;
  size_t opens_ = 0;
};

bool ReadStrings(Napi::Env env, Napi::Value value, const char* what,
                 std::vector<std::string>* out) {
  if (!value.IsArray()) {
    ThrowTypeError(env, std::string(what) + " must be an array of strings");
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value v = array.Get(i);
    if (!v.IsString()) {
      ThrowTypeError(env, std::string(what) + " must be an array of strings");
      return false;
    }
    out->push_back(v.As<Napi::String>().Utf8Value());
  }
  return true;
}

Napi::Value Adapter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    ThrowTypeError(env, "ringTesting.adapter: options must be an object");
    return env.Undefined();
  }
  Napi::Object o = info[0].As<Napi::Object>();
  FakeAdapters api;
  if (!ReadStrings(env, o.Get("create"), "ringTesting.adapter: create", &api.create) ||
      !ReadStrings(env, o.Get("open"), "ringTesting.adapter: open", &api.open)) {
    return env.Undefined();
  }
  const AdapterResult r = OpenOrRecreateAdapter(api, NumberOr(o, "maxRecreates", 3));
  static const char* const kVia[] = {"none", "created", "recreated", "reused"};
  static const char* const kStatus[] = {"ok", "exists", "notfound", "error"};
  Napi::Object result = Napi::Object::New(env);
  result.Set("status", kStatus[static_cast<int>(r.status)]);
  result.Set("via", kVia[static_cast<int>(r.via)]);
  result.Set("attempts", r.attempts);
  result.Set("handle", static_cast<double>(reinterpret_cast<uintptr_t>(r.handle)));
  Napi::Array calls = Napi::Array::New(env, api.calls.size());
  for (size_t i = 0; i < api.calls.size(); ++i) calls.Set(static_cast<uint32_t>(i), api.calls[i]);
  result.Set("calls", calls);
  Napi::Array live = Napi::Array::New(env, api.live.size());
  for (size_t i = 0; i < api.live.size(); ++i) {
    live.Set(static_cast<uint32_t>(i), static_cast<double>(api.live[i]));
  }
  result.Set("live", live);
  return result;
}

}  // namespace

void ExportRingTesting(Napi::Env env, Napi::Object exports) {
  Napi::Object testing = Napi::Object::New(env);
  testing.Set("drain", Napi::Function::New<Drain>(env, "drain"));
  testing.Set("send", Napi::Function::New<Send>(env, "send"));
  testing.Set("adapter", Napi::Function::New<Adapter>(env, "adapter"));
  exports.Set("ringTesting", testing);
}

}  // namespace slipstream
