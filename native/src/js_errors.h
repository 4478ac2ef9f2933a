// Throwing JS errors with NAPI_DISABLE_CPP_EXCEPTIONS: each helper leaves a
// pending exception; the caller returns right after.
#ifndef SLIPSTREAM_JS_ERRORS_H_
#define SLIPSTREAM_JS_ERRORS_H_

#include <napi.h>

#include <string>

namespace slipstream {

// Error "<operation>: <strerror text>" with `code` ('EEXIST') and `errno`
// (positive), like Node's own system errors.
void ThrowSystemError(Napi::Env env, const std::string& operation, int err);
void ThrowTypeError(Napi::Env env, const std::string& message);
void ThrowRangeError(Napi::Env env, const std::string& message);
void ThrowStateError(Napi::Env env, const std::string& message);

}  // namespace slipstream

#endif  // SLIPSTREAM_JS_ERRORS_H_
