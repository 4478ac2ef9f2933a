// copyRanges(dst, src, ranges, count): for i < count, copies ranges[3i+2] bytes
// from src[ranges[3i+1]] to dst[ranges[3i]].
//
// Why natively: the data path moves every packet between the addon's arenas and
// the crypto lanes, which are SharedArrayBuffers so that worker threads can seal
// and open in place. V8 copies into or out of shared memory with a word-by-word
// "relaxed" memmove, which took 18 % of the main thread's time at 2 Gbit/s; one
// call per batch with a plain memcpy per packet does the same work for a
// fraction. Nothing else touches these ranges while they are copied: the lane is
// not yet handed to the workers, or already given back by them.
#include "copy_ranges.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "js_errors.h"

namespace slipstream {
namespace {

bool ReadUint8View(const Napi::Value& v, uint8_t** data, size_t* length) {
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray array = v.As<Napi::TypedArray>();
  if (array.TypedArrayType() != napi_uint8_array) return false;
  Napi::Uint8Array bytes = array.As<Napi::Uint8Array>();
  *data = bytes.Data();
  *length = bytes.ElementLength();
  return true;
}

Napi::Value CopyRanges(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* dst = nullptr;
  uint8_t* src = nullptr;
  size_t dst_length = 0;
  size_t src_length = 0;
  if (info.Length() != 4 || !ReadUint8View(info[0], &dst, &dst_length) ||
      !ReadUint8View(info[1], &src, &src_length) || !info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
      !info[3].IsNumber()) {
    ThrowTypeError(env, "copyRanges(dst: Uint8Array, src: Uint8Array, ranges: Uint32Array, count)");
    return env.Undefined();
  }
  Napi::Uint32Array ranges = info[2].As<Napi::Uint32Array>();
  const double count = info[3].As<Napi::Number>().DoubleValue();
  if (!(count >= 0 && count * 3 <= static_cast<double>(ranges.ElementLength())) ||
      count != static_cast<double>(static_cast<size_t>(count))) {
    ThrowRangeError(env, "copyRanges: count does not fit the ranges");
    return env.Undefined();
  }
  const uint32_t* r = ranges.Data();
  const size_t n = static_cast<size_t>(count);
  // Every range is checked before any byte moves, so a bad call changes nothing.
  for (size_t i = 0; i < n; i++) {
    const uint64_t to = r[3 * i];
    const uint64_t from = r[3 * i + 1];
    const uint64_t length = r[3 * i + 2];
    if (to + length > dst_length || from + length > src_length) {
      ThrowRangeError(env, "copyRanges: a range lies outside its array");
      return env.Undefined();
    }
  }
  for (size_t i = 0; i < n; i++) {
    // Read once and checked again: `ranges` is JS memory, which a copy could overwrite
    // if a caller made it overlap `dst`.
    const uint64_t to = r[3 * i];
    const uint64_t from = r[3 * i + 1];
    const uint64_t length = r[3 * i + 2];
    if (length == 0) continue;  // a zero-length array's data may be null
    if (to + length > dst_length || from + length > src_length) {
      ThrowRangeError(env, "copyRanges: a range lies outside its array");
      return env.Undefined();
    }
    // memmove: dst and src may be views of the same buffer.
    std::memmove(dst + to, src + from, static_cast<size_t>(length));
  }
  return env.Undefined();
}

}  // namespace

void ExportCopyRanges(Napi::Env env, Napi::Object exports) {
  exports.Set("copyRanges", Napi::Function::New<CopyRanges>(env, "copyRanges"));
}

}  // namespace slipstream
