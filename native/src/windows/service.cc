// The helper as a Windows service. Node cannot speak to the Service Control
// Manager, so this does: runService(name, onEvent) starts the SCM dispatcher
// (StartServiceCtrlDispatcherW blocks for the service's lifetime) on its own
// thread, reports SERVICE_RUNNING, and forwards stop and shutdown requests to
// JS through a thread-safe function as onEvent('stop', control). JS tears the
// tunnel down and calls reportServiceStopped(exitCode), after which the
// dispatcher returns and the thread-safe function is released.
//
// onEvent(event, code): 'running' (code 0), 'stop' (the SERVICE_CONTROL_*
// code) or 'error' (a Win32 error: 1063 when the process was not started by
// the SCM). One service per process, as SERVICE_WIN32_OWN_PROCESS means.
#include "service.h"

#include <windows.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "../js_errors.h"

namespace slipstream {
namespace {

struct ServiceEvent {
  const char* name;
  uint32_t code;
};

struct ServiceState {
  std::wstring name;
  Napi::ThreadSafeFunction on_event;
  std::mutex mutex;  // guards status and handle (SCM thread and JS thread)
  SERVICE_STATUS_HANDLE handle = nullptr;
  SERVICE_STATUS status = {};
};

// Created once by runService and never freed: the SCM's callbacks take no
// context pointer of their own to find it by.
ServiceState* g_service = nullptr;

void Emit(const char* name, uint32_t code) {
  auto* event = new ServiceEvent{name, code};
  const napi_status status = g_service->on_event.BlockingCall(
      event, [](Napi::Env env, Napi::Function callback, ServiceEvent* e) {
        callback.Call({Napi::String::New(env, e->name), Napi::Number::New(env, e->code)});
        delete e;
      });
  if (status != napi_ok) delete event;  // the environment is going away
}

void SetStatus(DWORD state, DWORD exit_code) {
  std::lock_guard<std::mutex> lock(g_service->mutex);
  SERVICE_STATUS& s = g_service->status;
  s.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  s.dwCurrentState = state;
  s.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  if (exit_code == 0) {
    s.dwWin32ExitCode = NO_ERROR;
    s.dwServiceSpecificExitCode = 0;
  } else {
    s.dwWin32ExitCode = ERROR_SERVICE_SPECIFIC_ERROR;
    s.dwServiceSpecificExitCode = exit_code;
  }
  // Pending states promise progress: a checkpoint and a wait hint.
  const bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
  s.dwCheckPoint = pending ? s.dwCheckPoint + 1 : 0;
  s.dwWaitHint = pending ? 20000 : 0;
  if (g_service->handle != nullptr) SetServiceStatus(g_service->handle, &s);
}

DWORD WINAPI ControlHandler(DWORD control, DWORD /*event_type*/, LPVOID /*event_data*/,
                            LPVOID /*context*/) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      SetStatus(SERVICE_STOP_PENDING, 0);
      Emit("stop", control);
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI ServiceMain(DWORD /*argc*/, LPWSTR* /*argv*/) {
  SERVICE_STATUS_HANDLE handle =
      RegisterServiceCtrlHandlerExW(g_service->name.c_str(), ControlHandler, nullptr);
  if (handle == nullptr) {
    Emit("error", GetLastError());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(g_service->mutex);
    g_service->handle = handle;
  }
  // The helper starts in JS once told; the SCM sees it running at once.
  SetStatus(SERVICE_RUNNING, 0);
  Emit("running", 0);
}

void DispatcherThread() {
  SERVICE_TABLE_ENTRYW table[] = {
      {const_cast<LPWSTR>(g_service->name.c_str()), ServiceMain},
      {nullptr, nullptr},
  };
  // Blocks until the service reports SERVICE_STOPPED.
  if (!StartServiceCtrlDispatcherW(table)) Emit("error", GetLastError());
  g_service->on_event.Release();
}

std::wstring Widen(const std::string& utf8) {
  if (utf8.empty()) return std::wstring();
  const int length = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()),
                                         nullptr, 0);
  std::wstring wide(static_cast<size_t>(length), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), &wide[0], length);
  return wide;
}

Napi::Value RunService(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsFunction()) {
    ThrowTypeError(env, "runService(name: string, onEvent: function)");
    return env.Undefined();
  }
  if (g_service != nullptr) {
    ThrowStateError(env, "runService: the service dispatcher was already started");
    return env.Undefined();
  }
  g_service = new ServiceState();
  g_service->name = Widen(info[0].As<Napi::String>().Utf8Value());
  // Keeps the event loop alive until the dispatcher returns.
  g_service->on_event = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(),
                                                      "slipstream-service", 0, 1);
  std::thread(DispatcherThread).detach();
  return env.Undefined();
}

Napi::Value ReportServiceStopped(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (g_service == nullptr) {
    ThrowStateError(env, "reportServiceStopped: runService was not called");
    return env.Undefined();
  }
  const uint32_t code =
      info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
  SetStatus(SERVICE_STOPPED, code);
  return env.Undefined();
}

}  // namespace

void ExportWindowsService(Napi::Env env, Napi::Object exports) {
  exports.Set("runService", Napi::Function::New<RunService>(env, "runService"));
  exports.Set("reportServiceStopped",
              Napi::Function::New<ReportServiceStopped>(env, "reportServiceStopped"));
}

}  // namespace slipstream
