#include "args.h"

#include <cmath>
#include <cstring>

#include "js_errors.h"

namespace slipstream {

bool ReadUint32(Napi::Env env, const Napi::Value& value, const std::string& what, uint32_t min,
                uint32_t max, uint32_t* out) {
  if (!value.IsNumber()) {
    ThrowTypeError(env, what + " must be a number");
    return false;
  }
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::floor(number) != number || number < min || number > max) {
    ThrowRangeError(env, what + " must be an integer in " + std::to_string(min) + ".." +
                             std::to_string(max));
    return false;
  }
  *out = static_cast<uint32_t>(number);
  return true;
}

bool ReadOptionalUint32(Napi::Env env, const Napi::Object& object, const char* key,
                        const std::string& what, uint32_t min, uint32_t max, bool* present,
                        uint32_t* out) {
  const Napi::Value value = object.Get(key);
  if (env.IsExceptionPending()) return false;  // a throwing getter
  *present = !value.IsUndefined();
  return !*present || ReadUint32(env, value, what, min, max, out);
}

bool ReadBoolean(Napi::Env env, const Napi::Value& value, const std::string& what, bool* out) {
  if (!value.IsBoolean()) {
    ThrowTypeError(env, what + " must be a boolean");
    return false;
  }
  *out = value.As<Napi::Boolean>().Value();
  return true;
}

bool ReadObject(Napi::Env env, const Napi::Value& value, const std::string& what,
                Napi::Object* out) {
  if (!value.IsObject() || value.IsFunction()) {
    ThrowTypeError(env, what + " must be an object");
    return false;
  }
  *out = value.As<Napi::Object>();
  return true;
}

bool ReadFunction(Napi::Env env, const Napi::Value& value, const std::string& what,
                  Napi::Function* out) {
  if (!value.IsFunction()) {
    ThrowTypeError(env, what + " must be a function");
    return false;
  }
  *out = value.As<Napi::Function>();
  return true;
}

bool ReadBytes(Napi::Env env, const Napi::Value& value, const std::string& what,
               const uint8_t** data, size_t* length) {
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowTypeError(env, what + " must be a Uint8Array");
    return false;
  }
  const Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  *data = bytes.Data();
  *length = bytes.ElementLength();
  return true;
}

bool ReadUint32Array(Napi::Env env, const Napi::Value& value, const std::string& what,
                     Napi::Uint32Array* out) {
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    ThrowTypeError(env, what + " must be a Uint32Array");
    return false;
  }
  *out = value.As<Napi::Uint32Array>();
  return true;
}

bool ReadUint16Array(Napi::Env env, const Napi::Value& value, const std::string& what,
                     Napi::Uint16Array* out) {
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array) {
    ThrowTypeError(env, what + " must be a Uint16Array");
    return false;
  }
  *out = value.As<Napi::Uint16Array>();
  return true;
}

bool ReadIpBytes(Napi::Env env, const Napi::Value& value, const std::string& what,
                 IpAddress* out) {
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (!ReadBytes(env, value, what, &data, &length)) return false;
  if (length != 4 && length != 16) {
    ThrowRangeError(env, what + " must be 4 (IPv4) or 16 (IPv6) bytes, got " +
                             std::to_string(length));
    return false;
  }
  out->family = length == 4 ? 4 : 6;
  std::memset(out->bytes, 0, sizeof out->bytes);
  std::memcpy(out->bytes, data, length);
  return true;
}

bool ReadInterfaceName(Napi::Env env, const Napi::Value& value, const std::string& what,
                       bool allow_empty, std::string* out) {
  if (!value.IsString()) {
    ThrowTypeError(env, what + " must be a string");
    return false;
  }
  const std::string name = value.As<Napi::String>().Utf8Value();
  if (name.empty() && allow_empty) {
    out->clear();
    return true;
  }
  // The kernel's own rules (dev_valid_name): 1..15 bytes, not "." or "..",
  // no '/', ':' or whitespace.
  bool valid = !name.empty() && name.size() <= kMaxInterfaceName && name != "." && name != "..";
  for (const char c : name) {
    if (c == '\0' || c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r')) valid = false;
  }
  if (!valid) {
    ThrowRangeError(env, what + " must be a valid interface name of 1.." +
                             std::to_string(kMaxInterfaceName) + " bytes");
    return false;
  }
  *out = name;
  return true;
}

}  // namespace slipstream
