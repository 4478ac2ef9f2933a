// Who serves the helper's control pipe, as the GUI checks before it talks to
// it (the pipe itself, with its DACL on every instance: pipe_server.cc).
//
// inspectPipeServer is the GUI's check before it connects: the pipe's owner
// (only SYSTEM or an administrator can create an object owned by SYSTEM or
// Administrators) and the server's process id (to compare with the service's,
// which the SCM reports). The server process's user is returned too when this
// process may read it; a standard user usually may not open a SYSTEM
// process's token, so that part is best effort. The pipe's owner and DACL as
// SDDL come along for tests and diagnosis.
#include "pipe_security.h"

#include <windows.h>
// After windows.h, which they build on.
#include <aclapi.h>
#include <sddl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../js_errors.h"
#include "win32_util.h"

namespace slipstream {
namespace {

// How long inspectPipeServer waits for a free instance when all are busy.
constexpr DWORD kBusyWaitMs = 2000;
constexpr int kBusyAttempts = 3;

DWORD ProcessUserSid(DWORD pid, std::string* out) {
  UniqueHandle process(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
  if (!process.valid()) return GetLastError();
  HANDLE token_handle = nullptr;
  if (!OpenProcessToken(process.get(), TOKEN_QUERY, &token_handle)) return GetLastError();
  UniqueHandle token(token_handle);
  return TokenUserSid(token.get(), out);
}

Napi::Value InspectPipeServer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowTypeError(env, "inspectPipeServer(pipePath: string)");
    return env.Undefined();
  }
  const std::wstring path = Widen(info[0].As<Napi::String>().Utf8Value());

  // Read access is enough for the owner (READ_CONTROL) and the process id.
  // SECURITY_IDENTIFICATION: whoever serves the pipe may learn who we are but
  // cannot act as us, in case it is not the helper.
  HANDLE opened = INVALID_HANDLE_VALUE;
  for (int attempt = 1;; ++attempt) {
    opened = CreateFileW(path.c_str(), GENERIC_READ, 0, nullptr, OPEN_EXISTING,
                         SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr);
    if (opened != INVALID_HANDLE_VALUE) break;
    const DWORD err = GetLastError();
    if (err != ERROR_PIPE_BUSY || attempt >= kBusyAttempts) {
      ThrowWin32Error(env, "inspectPipeServer: CreateFileW", err);
      return env.Undefined();
    }
    // Every instance is serving somebody; wait for one to become free.
    WaitNamedPipeW(path.c_str(), kBusyWaitMs);
  }
  UniqueHandle pipe(opened);

  ULONG pid = 0;
  if (!GetNamedPipeServerProcessId(pipe.get(), &pid)) {
    ThrowWin32Error(env, "inspectPipeServer: GetNamedPipeServerProcessId", GetLastError());
    return env.Undefined();
  }
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  const SECURITY_INFORMATION what = OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
  const DWORD err = GetSecurityInfo(pipe.get(), SE_KERNEL_OBJECT, what, &owner, nullptr,
                                    nullptr, nullptr, &descriptor);
  if (err != ERROR_SUCCESS) {
    ThrowWin32Error(env, "inspectPipeServer: GetSecurityInfo", err);
    return env.Undefined();
  }
  LocalMemory descriptor_owner(descriptor);
  std::string owner_sid;
  if (owner == nullptr) {
    ThrowStateError(env, "inspectPipeServer: the pipe has no owner");
    return env.Undefined();
  }
  const DWORD sid_err = SidToString(owner, &owner_sid);
  if (sid_err != ERROR_SUCCESS) {
    ThrowWin32Error(env, "inspectPipeServer: ConvertSidToStringSidW", sid_err);
    return env.Undefined();
  }

  wchar_t* sddl = nullptr;
  std::string sddl_text;
  if (ConvertSecurityDescriptorToStringSecurityDescriptorW(descriptor, SDDL_REVISION_1, what,
                                                           &sddl, nullptr)) {
    LocalMemory sddl_owner(sddl);
    sddl_text = Narrow(sddl);
  }

  Napi::Object result = Napi::Object::New(env);
  result.Set("sddl", Napi::String::New(env, sddl_text));
  result.Set("pid", Napi::Number::New(env, pid));
  result.Set("ownerSid", Napi::String::New(env, owner_sid));
  std::string process_sid;
  if (ProcessUserSid(pid, &process_sid) == ERROR_SUCCESS) {
    result.Set("processSid", Napi::String::New(env, process_sid));
  } else {
    result.Set("processSid", env.Null());
  }
  return result;
}

Napi::Value CurrentUserSid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HANDLE token_handle = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token_handle)) {
    ThrowWin32Error(env, "currentUserSid: OpenProcessToken", GetLastError());
    return env.Undefined();
  }
  UniqueHandle token(token_handle);
  std::string sid;
  const DWORD err = TokenUserSid(token.get(), &sid);
  if (err != ERROR_SUCCESS) {
    ThrowWin32Error(env, "currentUserSid: GetTokenInformation", err);
    return env.Undefined();
  }
  return Napi::String::New(env, sid);
}

}  // namespace

void ExportPipeSecurity(Napi::Env env, Napi::Object exports) {
  exports.Set("inspectPipeServer",
              Napi::Function::New<InspectPipeServer>(env, "inspectPipeServer"));
  exports.Set("currentUserSid", Napi::Function::New<CurrentUserSid>(env, "currentUserSid"));
}

}  // namespace slipstream
