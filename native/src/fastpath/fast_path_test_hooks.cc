// Test hooks of the native data path: its transport seal and open and its replay
// window, driven from JS so test/unit/native/fast-path-crypto.test.ts can check them
// against @noble/ciphers and replay.ts.
#include <memory>
#include <vector>

#include "../args.h"
#include "../js_errors.h"
#include "fast_path_bindings.h"
#include "replay_window.h"
#include "wg_transport.h"

namespace slipstream {
namespace {

// fastPathSeal(key, receiver, counterHi, counterLo, packet, padded) -> Buffer
Napi::Value SealForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* key = nullptr;
  const uint8_t* packet = nullptr;
  size_t key_length = 0, length = 0;
  uint32_t receiver = 0, hi = 0, lo = 0, padded = 0;
  if (!ReadBytes(env, info[0], "fastPathSeal: key", &key, &key_length) ||
      !ReadUint32(env, info[1], "fastPathSeal: receiver", 0, 0xffffffffu, &receiver) ||
      !ReadUint32(env, info[2], "fastPathSeal: counterHi", 0, 0xffffffffu, &hi) ||
      !ReadUint32(env, info[3], "fastPathSeal: counterLo", 0, 0xffffffffu, &lo) ||
      !ReadBytes(env, info[4], "fastPathSeal: packet", &packet, &length) ||
      !ReadUint32(env, info[5], "fastPathSeal: padded", 0, wg::kMaxContent, &padded)) {
    return env.Undefined();
  }
  if (key_length != wg::kKeySize || padded < length || !wg::Init()) {
    ThrowRangeError(env, "fastPathSeal: bad key or padding");
    return env.Undefined();
  }
  auto out = Napi::Buffer<uint8_t>::New(env, wg::kMinMessage + padded);
  wg::Seal(key, receiver, static_cast<uint64_t>(hi) << 32 | lo, packet, length, padded,
           out.Data());
  return out;
}

// fastPathOpen(key, message) -> padded plaintext Buffer, or null
Napi::Value OpenForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* key = nullptr;
  const uint8_t* message = nullptr;
  size_t key_length = 0, length = 0;
  if (!ReadBytes(env, info[0], "fastPathOpen: key", &key, &key_length) ||
      !ReadBytes(env, info[1], "fastPathOpen: message", &message, &length)) {
    return env.Undefined();
  }
  if (key_length != wg::kKeySize || !wg::Init()) {
    ThrowRangeError(env, "fastPathOpen: bad key");
    return env.Undefined();
  }
  if (length < wg::kMinMessage) return env.Null();
  std::vector<uint8_t> copy(message, message + length);
  if (!wg::OpenInPlace(key, copy.data(), copy.size())) return env.Null();
  return Napi::Buffer<uint8_t>::Copy(env, copy.data() + wg::kHeaderSize, length - wg::kMinMessage);
}

// fastPathReplay(hi: Uint32Array, lo: Uint32Array) -> Uint8Array of verdicts: bit 0 =
// Validate accepted, bit 1 = WouldAccept said so just before
Napi::Value ReplayForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint32Array hi, lo;
  if (!ReadUint32Array(env, info[0], "fastPathReplay: hi", &hi) ||
      !ReadUint32Array(env, info[1], "fastPathReplay: lo", &lo)) {
    return env.Undefined();
  }
  if (hi.ElementLength() != lo.ElementLength()) {
    ThrowRangeError(env, "fastPathReplay: hi and lo differ in length");
    return env.Undefined();
  }
  auto window = std::make_unique<wg::ReplayWindow>();
  Napi::Uint8Array out = Napi::Uint8Array::New(env, hi.ElementLength());
  for (size_t i = 0; i < hi.ElementLength(); ++i) {
    const uint64_t counter = static_cast<uint64_t>(hi[i]) << 32 | lo[i];
    const bool would = window->WouldAccept(counter);
    out[i] = static_cast<uint8_t>((window->Validate(counter) ? 1 : 0) | (would ? 2 : 0));
  }
  return out;
}

}  // namespace

void ExportFastPathTestHooks(Napi::Env env, Napi::Object exports) {
  exports.Set("fastPathSeal", Napi::Function::New<SealForTest>(env, "fastPathSeal"));
  exports.Set("fastPathOpen", Napi::Function::New<OpenForTest>(env, "fastPathOpen"));
  exports.Set("fastPathReplay", Napi::Function::New<ReplayForTest>(env, "fastPathReplay"));
}

}  // namespace slipstream
