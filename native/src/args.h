// Reading and validating JS arguments. Every reader returns false after
// throwing a short TypeError (wrong type) or RangeError (wrong value) that
// names the operation and the argument, e.g. "routeAdd: metric must be ...".
#ifndef SLIPSTREAM_ARGS_H_
#define SLIPSTREAM_ARGS_H_

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "platform.h"

namespace slipstream {

bool ReadUint32(Napi::Env env, const Napi::Value& value, const std::string& what, uint32_t min,
                uint32_t max, uint32_t* out);
// An absent (undefined) property leaves *present false.
bool ReadOptionalUint32(Napi::Env env, const Napi::Object& object, const char* key,
                        const std::string& what, uint32_t min, uint32_t max, bool* present,
                        uint32_t* out);
bool ReadBoolean(Napi::Env env, const Napi::Value& value, const std::string& what, bool* out);
bool ReadObject(Napi::Env env, const Napi::Value& value, const std::string& what,
                Napi::Object* out);
bool ReadFunction(Napi::Env env, const Napi::Value& value, const std::string& what,
                  Napi::Function* out);
// A Uint8Array (Buffer included); the pointer is valid while the value is.
bool ReadBytes(Napi::Env env, const Napi::Value& value, const std::string& what,
               const uint8_t** data, size_t* length);
// A Uint32Array / Uint16Array; the data stays valid while the value is.
bool ReadUint32Array(Napi::Env env, const Napi::Value& value, const std::string& what,
                     Napi::Uint32Array* out);
bool ReadUint16Array(Napi::Env env, const Napi::Value& value, const std::string& what,
                     Napi::Uint16Array* out);
// A 4-byte (IPv4) or 16-byte (IPv6) Uint8Array.
bool ReadIpBytes(Napi::Env env, const Napi::Value& value, const std::string& what,
                 IpAddress* out);
// An interface name the kernel would accept; empty only when allow_empty.
bool ReadInterfaceName(Napi::Env env, const Napi::Value& value, const std::string& what,
                       bool allow_empty, std::string* out);

}  // namespace slipstream

#endif  // SLIPSTREAM_ARGS_H_
