// The log viewer searches every byte of a log for each query (a million-line
// log is 180 MB), which JavaScript does several times slower than this:
//
// foldAscii(bytes, from, to): lowercases A-Z in place in bytes[from, to).
// findLines(bytes, base, pattern, starts, first, end, out): the lines among
//   [first, end) whose bytes contain `pattern`, in order, into `out`; returns
//   how many. `bytes` holds the file from offset `base` (the chunk of those
//   lines), `starts[i]` is the file offset where line i starts (and
//   starts[end], or base + bytes.length, where the last one ends).
#include "text_search.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "js_errors.h"

namespace slipstream {
namespace {

// The build's -O2 leaves this loop scalar; it is the one place worth vectorising.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("tree-vectorize")))
#endif
void FoldRange(uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const uint8_t c = p[i];
    // Branch-free, so the loop vectorizes: 0x20 where c is in 'A'..'Z', else 0.
    const uint8_t upper = static_cast<uint8_t>(static_cast<uint8_t>(c - 'A') < 26u);
    p[i] = static_cast<uint8_t>(c | (upper << 5));
  }
}

Napi::Value FoldAscii(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsTypedArray() || !info[1].IsNumber() ||
      !info[2].IsNumber()) {
    ThrowTypeError(env, "foldAscii(bytes, from, to)");
    return env.Undefined();
  }
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  if (array.TypedArrayType() != napi_uint8_array) {
    ThrowTypeError(env, "foldAscii: bytes must be a Uint8Array");
    return env.Undefined();
  }
  Napi::Uint8Array bytes = array.As<Napi::Uint8Array>();
  const double from = info[1].As<Napi::Number>().DoubleValue();
  const double to = info[2].As<Napi::Number>().DoubleValue();
  const double length = static_cast<double>(bytes.ElementLength());
  // NaN fails every comparison, so it is refused here too.
  if (!(from >= 0 && from <= to && to <= length)) {
    ThrowRangeError(env, "foldAscii: range outside the array");
    return env.Undefined();
  }
  FoldRange(bytes.Data() + static_cast<size_t>(from), static_cast<size_t>(to - from));
  return env.Undefined();
}

bool IsCount(const Napi::Value& v) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  return d >= 0 && d <= 9007199254740991.0 && d == static_cast<double>(static_cast<int64_t>(d));
}

Napi::Value FindLines(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto typed = [&](size_t i, napi_typedarray_type type) {
    return info[i].IsTypedArray() && info[i].As<Napi::TypedArray>().TypedArrayType() == type;
  };
  if (info.Length() != 7 || !typed(0, napi_uint8_array) || !IsCount(info[1]) ||
      !typed(2, napi_uint8_array) || !typed(3, napi_float64_array) || !IsCount(info[4]) ||
      !IsCount(info[5]) || !typed(6, napi_int32_array)) {
    ThrowTypeError(env, "findLines(bytes, base, pattern, starts, first, end, out)");
    return env.Undefined();
  }
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  const double base = info[1].As<Napi::Number>().DoubleValue();
  Napi::Uint8Array pattern = info[2].As<Napi::Uint8Array>();
  Napi::Float64Array starts = info[3].As<Napi::Float64Array>();
  const size_t first = static_cast<size_t>(info[4].As<Napi::Number>().DoubleValue());
  const size_t end = static_cast<size_t>(info[5].As<Napi::Number>().DoubleValue());
  Napi::Int32Array out = info[6].As<Napi::Int32Array>();
  if (first > end || end > starts.ElementLength() || end - first > out.ElementLength() ||
      pattern.ElementLength() == 0 || end > 0x7fffffffu) {
    ThrowRangeError(env, "findLines: lines, starts or out do not fit");
    return env.Undefined();
  }
  const uint8_t* hay = bytes.Data();
  const size_t n = bytes.ElementLength();
  const double* line_start = starts.Data();
  // Where line i ends within `bytes` (the next line's start, or the chunk's end).
  const auto end_of = [&](size_t i) -> size_t {
    const double next = i + 1 < end ? line_start[i + 1] - base : static_cast<double>(n);
    // `!(next > 0)` also catches NaN from a caller's bad array: converting NaN is undefined.
    return !(next > 0) ? 0 : next >= static_cast<double>(n) ? n : static_cast<size_t>(next);
  };
  const std::boyer_moore_horspool_searcher search(pattern.Data(),
                                                  pattern.Data() + pattern.ElementLength());
  size_t count = 0;
  size_t line = first;
  size_t pos = 0;
  while (line < end && pos < n) {
    const uint8_t* hit = std::search(hay + pos, hay + n, search);
    if (hit == hay + n) break;
    const size_t at = static_cast<size_t>(hit - hay);
    // Lines are visited in order, so the walk over all hits costs one pass over the lines.
    while (line < end && end_of(line) <= at) line++;
    if (line >= end) break;
    out[count++] = static_cast<int32_t>(line);
    // A line is reported once: go on from the start of the next.
    pos = end_of(line);
    line++;
  }
  return Napi::Number::New(env, static_cast<double>(count));
}

}  // namespace

void ExportTextSearch(Napi::Env env, Napi::Object exports) {
  exports.Set("foldAscii", Napi::Function::New(env, FoldAscii, "foldAscii"));
  exports.Set("findLines", Napi::Function::New(env, FindLines, "findLines"));
}

}  // namespace slipstream
