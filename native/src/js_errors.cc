#include "js_errors.h"

#include "platform.h"

namespace slipstream {

void ThrowSystemError(Napi::Env env, const std::string& operation, int err) {
  Napi::Error error = Napi::Error::New(env, operation + ": " + ErrorMessage(err));
  error.Set("code", Napi::String::New(env, ErrorCode(err)));
  error.Set("errno", Napi::Number::New(env, err));
  error.ThrowAsJavaScriptException();
}

void ThrowTypeError(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
}

void ThrowRangeError(Napi::Env env, const std::string& message) {
  Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
}

void ThrowStateError(Napi::Env env, const std::string& message) {
  Napi::Error::New(env, message).ThrowAsJavaScriptException();
}

}  // namespace slipstream
