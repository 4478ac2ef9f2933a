#include "wintun_bindings.h"

#include "../js_errors.h"
#include "win32_util.h"
#include "wintun_api.h"

namespace slipstream {
namespace {

Napi::Value SetWintunPathJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    ThrowTypeError(env, "setWintunPath: path must be a string");
    return env.Undefined();
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.size() < 4 || path.size() > 4000 || path.find('\0') != std::string::npos) {
    ThrowTypeError(env, "setWintunPath: path must be an absolute path to wintun.dll");
    return env.Undefined();
  }
  // Checked again (absolute, exactly this file loaded) when the DLL is loaded.
  SetWintunPath(Widen(path));
  return env.Undefined();
}

}  // namespace

void ExportWintun(Napi::Env env, Napi::Object exports) {
  exports.Set("setWintunPath", Napi::Function::New<SetWintunPathJs>(env, "setWintunPath"));
}

}  // namespace slipstream
