// The helper as a Windows service. Node cannot speak to the Service Control
// Manager, so this does: runService(name, onEvent) starts the SCM dispatcher
// (StartServiceCtrlDispatcherW blocks for the service's lifetime) on its own
// thread. ServiceMain reports SERVICE_START_PENDING and hands its start
// arguments to JS as onEvent('start', 0, args); JS starts the helper and
// calls reportServiceRunning() once its pipe listens, so that "running" tells
// a GUI polling the SCM that there is something to connect to. Stop and
// shutdown requests reach JS as onEvent('stop', control); a user signing out
// as onEvent('session', WTS_SESSION_LOGOFF); JS tears the tunnel
// down and calls reportServiceStopped(exitCode), after which the dispatcher
// returns and the thread-safe function is released. A start JS refuses (bad
// arguments, a failed start) is reportServiceStopped(nonzero) straight from
// START_PENDING.
//
// onEvent(event, code, args): 'start' (code 0; args: the start arguments
// after argv[0], which is the service name, as UTF-8 strings), 'stop' (the
// SERVICE_CONTROL_* code) or 'error' (a Win32 error: 1063 when the process
// was not started by the SCM). One service per process, as
// SERVICE_WIN32_OWN_PROCESS means.
//
// ensureSecureDirectory(path, sddl) is here because only the service needs
// it: the directories the service keeps a user's profiles and logs in
// (helper-service.ts).
#include "service.h"

#include <windows.h>
// After windows.h, which they build on.
#include <aclapi.h>
#include <sddl.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../js_errors.h"
#include "win32_util.h"

namespace slipstream {
namespace {

// How long the SCM (and a GUI polling it) should allow for each pending
// state; JS reports the next state well within it or the service has failed.
constexpr DWORD kWaitHintMs = 30000;

struct ServiceEvent {
  const char* name;
  uint32_t code;
  std::vector<std::string> args;
};

struct ServiceState {
  std::wstring name;
  Napi::ThreadSafeFunction on_event;
  std::mutex mutex;  // guards status and handle (SCM thread and JS thread)
  // Null before ServiceMain registered and again once SERVICE_STOPPED was
  // reported: the handle must not be used after that.
  SERVICE_STATUS_HANDLE handle = nullptr;
  SERVICE_STATUS status = {};
};

// Created once by runService and never freed: the SCM's callbacks take no
// context pointer of their own to find it by.
ServiceState* g_service = nullptr;

void Emit(const char* name, uint32_t code, std::vector<std::string> args = {}) {
  auto* event = new ServiceEvent{name, code, std::move(args)};
  const napi_status status = g_service->on_event.BlockingCall(
      event, [](Napi::Env env, Napi::Function callback, ServiceEvent* e) {
        Napi::Array args = Napi::Array::New(env, e->args.size());
        for (size_t i = 0; i < e->args.size(); ++i) {
          args.Set(static_cast<uint32_t>(i), Napi::String::New(env, e->args[i]));
        }
        callback.Call({Napi::String::New(env, e->name), Napi::Number::New(env, e->code), args});
        delete e;
      });
  if (status != napi_ok) delete event;  // the environment is going away
}

// Caller holds g_service->mutex. False when there is no handle (any more).
bool SetStatusLocked(DWORD state, DWORD exit_code) {
  if (g_service->handle == nullptr) return false;
  SERVICE_STATUS& s = g_service->status;
  s.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  s.dwCurrentState = state;
  // Stop is accepted only while running: during START_PENDING the helper is
  // half built, and JS finishes or fails the start itself.
  // Session changes (a user signing out) while running too.
  s.dwControlsAccepted =
      state == SERVICE_RUNNING
          ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_SESSIONCHANGE
          : 0;
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
  s.dwWaitHint = pending ? kWaitHintMs : 0;
  SetServiceStatus(g_service->handle, &s);
  // After STOPPED the dispatcher may return and the SCM forget the handle.
  if (state == SERVICE_STOPPED) g_service->handle = nullptr;
  return true;
}

DWORD WINAPI ControlHandler(DWORD control, DWORD event_type, LPVOID /*event_data*/,
                            LPVOID /*context*/) {
  switch (control) {
    case SERVICE_CONTROL_SESSIONCHANGE:
      // Only sign-outs matter: the service then asks who is still there.
      if (event_type == WTS_SESSION_LOGOFF) Emit("session", event_type);
      return NO_ERROR;
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN: {
      {
        std::lock_guard<std::mutex> lock(g_service->mutex);
        // Only a running service is asked to stop (controls accepted); a
        // request that crossed JS's own reportServiceStopped has nothing to do.
        if (g_service->status.dwCurrentState != SERVICE_RUNNING) return NO_ERROR;
        SetStatusLocked(SERVICE_STOP_PENDING, 0);
      }
      Emit("stop", control);
      return NO_ERROR;
    }
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI ServiceMain(DWORD argc, LPWSTR* argv) {
  SERVICE_STATUS_HANDLE handle =
      RegisterServiceCtrlHandlerExW(g_service->name.c_str(), ControlHandler, nullptr);
  if (handle == nullptr) {
    Emit("error", GetLastError());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(g_service->mutex);
    g_service->handle = handle;
    SetStatusLocked(SERVICE_START_PENDING, 0);
  }
  // argv[0] is the service's name; the rest are StartServiceW's arguments
  // (none when started by hand without any). Narrow replaces a lone UTF-16
  // surrogate with U+FFFD rather than failing, and such an argument then
  // fails JS's validation like any other bad one.
  std::vector<std::string> args;
  for (DWORD i = 1; argv != nullptr && i < argc; ++i) args.push_back(Narrow(argv[i]));
  Emit("start", 0, std::move(args));
  // Returning is fine: the dispatcher keeps the service until SERVICE_STOPPED.
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

Napi::Value ReportServiceRunning(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (g_service == nullptr) {
    ThrowStateError(env, "reportServiceRunning: runService was not called");
    return env.Undefined();
  }
  std::lock_guard<std::mutex> lock(g_service->mutex);
  // Only out of START_PENDING: never back from stopping or stopped.
  if (g_service->handle == nullptr ||
      g_service->status.dwCurrentState != SERVICE_START_PENDING) {
    ThrowStateError(env, "reportServiceRunning: the service is not starting");
    return env.Undefined();
  }
  SetStatusLocked(SERVICE_RUNNING, 0);
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
  std::lock_guard<std::mutex> lock(g_service->mutex);
  SetStatusLocked(SERVICE_STOPPED, code);  // a second report finds no handle and does nothing
  return env.Undefined();
}

// Whether a SID owns an object the way only the system can make it:
// LocalSystem, or Administrators (the default owner of what an elevated
// administrator creates, the installer for one).
bool SystemOwner(PSID owner) {
  return owner != nullptr &&
         (IsWellKnownSid(owner, WinLocalSystemSid) ||
          IsWellKnownSid(owner, WinBuiltinAdministratorsSid));
}

// ensureSecureDirectory(path, sddl): creates the directory with exactly the
// DACL `sddl` gives (which should be protected, "D:P..."), so that there is
// no moment in which the inherited ACL of %ProgramData% lets users create
// files in it (a planted hard link or junction would have SYSTEM write where
// the user chooses). When it already exists it must be a real directory (not
// a junction or symbolic link) owned by SYSTEM or Administrators, i.e. not
// one a user made first; it is then given the DACL, through a handle opened
// on the directory itself so the checks and the change are about one object.
Napi::Value EnsureSecureDirectory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    ThrowTypeError(env, "ensureSecureDirectory(path: string, sddl: string)");
    return env.Undefined();
  }
  const std::string path_utf8 = info[0].As<Napi::String>().Utf8Value();
  const std::wstring path = Widen(path_utf8);
  const std::wstring sddl = Widen(info[1].As<Napi::String>().Utf8Value());

  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1,
                                                            &descriptor, nullptr)) {
    ThrowWin32Error(env, "ensureSecureDirectory: parsing the security descriptor",
                    GetLastError());
    return env.Undefined();
  }
  LocalMemory descriptor_owner(descriptor);
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  if (!GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted) || !present ||
      dacl == nullptr) {
    // A missing or null DACL would grant everybody everything.
    ThrowRangeError(env, "ensureSecureDirectory: the security descriptor must have a DACL");
    return env.Undefined();
  }

  SECURITY_ATTRIBUTES attributes = {sizeof(SECURITY_ATTRIBUTES), descriptor, FALSE};
  if (CreateDirectoryW(path.c_str(), &attributes)) return env.Undefined();
  const DWORD create_error = GetLastError();
  if (create_error != ERROR_ALREADY_EXISTS) {
    ThrowWin32Error(env, "ensureSecureDirectory: CreateDirectoryW " + path_utf8, create_error);
    return env.Undefined();
  }

  // OPEN_REPARSE_POINT: a junction or link is opened itself, not followed,
  // and then refused below. BACKUP_SEMANTICS is what opens a directory.
  UniqueHandle dir(CreateFileW(path.c_str(), READ_CONTROL | WRITE_DAC,
                               FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                               OPEN_EXISTING,
                               FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
                               nullptr));
  if (!dir.valid()) {
    ThrowWin32Error(env, "ensureSecureDirectory: opening " + path_utf8, GetLastError());
    return env.Undefined();
  }
  BY_HANDLE_FILE_INFORMATION file_info = {};
  if (!GetFileInformationByHandle(dir.get(), &file_info)) {
    ThrowWin32Error(env, "ensureSecureDirectory: GetFileInformationByHandle", GetLastError());
    return env.Undefined();
  }
  if ((file_info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0 ||
      (file_info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    ThrowStateError(env, "ensureSecureDirectory: " + path_utf8 +
                             " is not a plain directory (a file, junction or link); an "
                             "administrator must remove it");
    return env.Undefined();
  }
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR current = nullptr;
  DWORD err = GetSecurityInfo(dir.get(), SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner,
                              nullptr, nullptr, nullptr, &current);
  if (err != ERROR_SUCCESS) {
    ThrowWin32Error(env, "ensureSecureDirectory: GetSecurityInfo", err);
    return env.Undefined();
  }
  LocalMemory current_owner(current);
  if (!SystemOwner(owner)) {
    std::string sid;
    if (SidToString(owner, &sid) != 0) sid = "an unknown account";
    ThrowStateError(env, "ensureSecureDirectory: " + path_utf8 + " belongs to " + sid +
                             ", not to the system; an administrator must remove it");
    return env.Undefined();
  }
  // PROTECTED: nothing is inherited from above; the DACL is exactly the SDDL's,
  // and its inheritable entries flow down to what the directory holds.
  err = SetSecurityInfo(dir.get(), SE_FILE_OBJECT,
                        DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
                        nullptr, dacl, nullptr);
  if (err != ERROR_SUCCESS) {
    ThrowWin32Error(env, "ensureSecureDirectory: SetSecurityInfo", err);
    return env.Undefined();
  }
  return env.Undefined();
}

}  // namespace

void ExportWindowsService(Napi::Env env, Napi::Object exports) {
  exports.Set("runService", Napi::Function::New<RunService>(env, "runService"));
  exports.Set("reportServiceRunning",
              Napi::Function::New<ReportServiceRunning>(env, "reportServiceRunning"));
  exports.Set("reportServiceStopped",
              Napi::Function::New<ReportServiceStopped>(env, "reportServiceStopped"));
  exports.Set("ensureSecureDirectory",
              Napi::Function::New<EnsureSecureDirectory>(env, "ensureSecureDirectory"));
}

}  // namespace slipstream
