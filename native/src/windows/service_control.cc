// The GUI's side of the helper service: is it installed, is it running and
// under which process id (the GUI trusts the control pipe only when that
// process serves it), and starting it on demand. The installer's service
// descriptor (installer.nsh) grants interactive users query and start, so
// this works without elevation; stop, reconfigure and delete stay with
// administrators.
//
// queryService(name) -> { state, pid } or null when no such service exists.
// startService(name, args) -> true when started, false when already running;
// the args reach the service's ServiceMain after the service name.
#include "service_control.h"

#include <windows.h>

#include <string>
#include <vector>

#include "../js_errors.h"
#include "win32_util.h"

namespace slipstream {
namespace {

class ServiceHandle {
 public:
  explicit ServiceHandle(SC_HANDLE handle) : handle_(handle) {}
  ~ServiceHandle() {
    if (handle_ != nullptr) CloseServiceHandle(handle_);
  }
  ServiceHandle(const ServiceHandle&) = delete;
  ServiceHandle& operator=(const ServiceHandle&) = delete;
  SC_HANDLE get() const { return handle_; }

 private:
  SC_HANDLE handle_;
};

const char* StateName(DWORD state) {
  switch (state) {
    case SERVICE_STOPPED:
      return "stopped";
    case SERVICE_START_PENDING:
      return "start-pending";
    case SERVICE_STOP_PENDING:
      return "stop-pending";
    case SERVICE_RUNNING:
      return "running";
    case SERVICE_CONTINUE_PENDING:
      return "continue-pending";
    case SERVICE_PAUSE_PENDING:
      return "pause-pending";
    case SERVICE_PAUSED:
      return "paused";
    default:
      return "unknown";
  }
}

// Opens the service with `access`; on failure returns null with *err set
// (ERROR_SERVICE_DOES_NOT_EXIST when it is not installed).
SC_HANDLE OpenNamedService(SC_HANDLE manager, const std::wstring& name, DWORD access,
                           DWORD* err) {
  SC_HANDLE service = OpenServiceW(manager, name.c_str(), access);
  *err = service == nullptr ? GetLastError() : ERROR_SUCCESS;
  return service;
}

Napi::Value QueryService(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowTypeError(env, "queryService(name: string)");
    return env.Undefined();
  }
  const std::wstring name = Widen(info[0].As<Napi::String>().Utf8Value());
  ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (manager.get() == nullptr) {
    ThrowWin32Error(env, "queryService: OpenSCManagerW", GetLastError());
    return env.Undefined();
  }
  DWORD err = ERROR_SUCCESS;
  ServiceHandle service(OpenNamedService(manager.get(), name, SERVICE_QUERY_STATUS, &err));
  if (service.get() == nullptr) {
    if (err == ERROR_SERVICE_DOES_NOT_EXIST) return env.Null();
    ThrowWin32Error(env, "queryService: OpenServiceW", err);
    return env.Undefined();
  }
  SERVICE_STATUS_PROCESS status = {};
  DWORD needed = 0;
  if (!QueryServiceStatusEx(service.get(), SC_STATUS_PROCESS_INFO,
                            reinterpret_cast<LPBYTE>(&status), sizeof status, &needed)) {
    ThrowWin32Error(env, "queryService: QueryServiceStatusEx", GetLastError());
    return env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("state", Napi::String::New(env, StateName(status.dwCurrentState)));
  // 0 while the service is not running.
  result.Set("pid", Napi::Number::New(env, status.dwProcessId));
  return result;
}

Napi::Value StartService(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) {
    ThrowTypeError(env, "startService(name: string, args: string[])");
    return env.Undefined();
  }
  const std::wstring name = Widen(info[0].As<Napi::String>().Utf8Value());
  const Napi::Array js_args = info[1].As<Napi::Array>();
  std::vector<std::wstring> args;
  for (uint32_t i = 0; i < js_args.Length(); ++i) {
    const Napi::Value arg = js_args.Get(i);
    if (!arg.IsString()) {
      ThrowTypeError(env, "startService: every argument must be a string");
      return env.Undefined();
    }
    args.push_back(Widen(arg.As<Napi::String>().Utf8Value()));
  }
  std::vector<LPCWSTR> argv;
  for (const std::wstring& arg : args) argv.push_back(arg.c_str());

  ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (manager.get() == nullptr) {
    ThrowWin32Error(env, "startService: OpenSCManagerW", GetLastError());
    return env.Undefined();
  }
  DWORD err = ERROR_SUCCESS;
  ServiceHandle service(OpenNamedService(manager.get(), name, SERVICE_START, &err));
  if (service.get() == nullptr) {
    ThrowWin32Error(env, "startService: OpenServiceW", err);
    return env.Undefined();
  }
  if (!StartServiceW(service.get(), static_cast<DWORD>(argv.size()),
                     argv.empty() ? nullptr : argv.data())) {
    err = GetLastError();
    // Somebody (another GUI, another user) started it first: not a failure here.
    if (err == ERROR_SERVICE_ALREADY_RUNNING) return Napi::Boolean::New(env, false);
    ThrowWin32Error(env, "startService: StartServiceW", err);
    return env.Undefined();
  }
  return Napi::Boolean::New(env, true);
}

}  // namespace

void ExportServiceControl(Napi::Env env, Napi::Object exports) {
  exports.Set("queryService", Napi::Function::New<QueryService>(env, "queryService"));
  exports.Set("startService", Napi::Function::New<StartService>(env, "startService"));
}

}  // namespace slipstream
