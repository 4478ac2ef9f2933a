// Who may use the helper's control pipe, and who serves it.
//
// The helper listens with libuv (net.Server.listen(pipePath)), and libuv
// creates every instance with a null security descriptor: the default one,
// which also grants Everyone and Anonymous read. Handing libuv an instance we
// created ourselves is not possible through Node's API, and reserving the
// first instance beforehand does not work either: uv_pipe_bind creates its
// first instance with FILE_FLAG_FIRST_PIPE_INSTANCE and reports EADDRINUSE
// when one exists, even in the same process.
//
// So the order is: libuv creates the pipe (its FILE_FLAG_FIRST_PIPE_INSTANCE
// is what detects a squatter, which makes listen fail), and securePipe then
// replaces the pipe's security descriptor. Microsoft's "Named Pipe Security
// and Access Rights" describes one security descriptor per named pipe, the
// one changed with SetSecurityInfo and checked against every later
// CreateNamedPipe (server) and CreateFile (client) on that name, so setting it
// through any instance applies to the instances libuv has already created and
// to those it creates after each accept. Whether a later CreateNamedPipe with
// a null descriptor leaves it alone is what the Windows test has to confirm.
// Between listen and securePipe the default descriptor lets any local user
// open the pipe for reading only; the control server therefore sends nothing
// to a client before it has written a request, which such a client cannot.
//
// inspectPipeServer is the GUI's check before it connects: the pipe's owner
// (only SYSTEM or an administrator can create an object owned by SYSTEM or
// Administrators) and the server's process id (to compare with the service's,
// which the SCM reports). The server process's user is returned too when this
// process may read it; a standard user usually may not open a SYSTEM
// process's token, so that part is best effort.
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

// What libuv uses for its instances; a new instance must agree with the first
// on the instance limit.
constexpr DWORD kPipeBufferSize = 65536;
// How long inspectPipeServer waits for a free instance when all are busy.
constexpr DWORD kBusyWaitMs = 2000;
constexpr int kBusyAttempts = 3;

// The user of a process's token ("S-1-5-18"); 0 or a Win32 error.
DWORD TokenUserSid(HANDLE token, std::string* out) {
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  if (size == 0) return GetLastError();
  // uint64_t elements: TOKEN_USER holds a pointer and wants its alignment.
  std::vector<uint64_t> buffer((size + sizeof(uint64_t) - 1) / sizeof(uint64_t));
  if (!GetTokenInformation(token, TokenUser, buffer.data(), size, &size)) return GetLastError();
  const auto* user = reinterpret_cast<const TOKEN_USER*>(buffer.data());
  return SidToString(user->User.Sid, out);
}

DWORD ProcessUserSid(DWORD pid, std::string* out) {
  UniqueHandle process(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
  if (!process.valid()) return GetLastError();
  HANDLE token_handle = nullptr;
  if (!OpenProcessToken(process.get(), TOKEN_QUERY, &token_handle)) return GetLastError();
  UniqueHandle token(token_handle);
  return TokenUserSid(token.get(), out);
}

Napi::Value SecurePipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    ThrowTypeError(env, "securePipe(pipePath: string, sddl: string)");
    return env.Undefined();
  }
  const std::wstring path = Widen(info[0].As<Napi::String>().Utf8Value());
  const std::wstring sddl = Widen(info[1].As<Napi::String>().Utf8Value());

  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1,
                                                            &descriptor, nullptr)) {
    ThrowWin32Error(env, "securePipe: parsing the security descriptor", GetLastError());
    return env.Undefined();
  }
  LocalMemory descriptor_owner(descriptor);
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  if (!GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted) || !present ||
      dacl == nullptr) {
    // A missing or null DACL would grant everybody everything.
    ThrowRangeError(env, "securePipe: the security descriptor must have a DACL");
    return env.Undefined();
  }
  PSID owner = nullptr;
  if (!GetSecurityDescriptorOwner(descriptor, &owner, &defaulted)) {
    ThrowWin32Error(env, "securePipe: reading the owner", GetLastError());
    return env.Undefined();
  }

  // Another server instance of the pipe libuv already listens on, opened with
  // the right to change the pipe's descriptor. Without
  // FILE_FLAG_FIRST_PIPE_INSTANCE this would also succeed on a pipe somebody
  // else created and left open to everyone, which is why the caller calls this
  // only after its own listen succeeded.
  UniqueHandle instance(CreateNamedPipeW(
      path.c_str(), PIPE_ACCESS_DUPLEX | WRITE_DAC | WRITE_OWNER,
      PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, PIPE_UNLIMITED_INSTANCES, kPipeBufferSize,
      kPipeBufferSize, 0, nullptr));
  if (!instance.valid()) {
    ThrowWin32Error(env, "securePipe: CreateNamedPipeW", GetLastError());
    return env.Undefined();
  }
  // PROTECTED: nothing is inherited into the new DACL; it is exactly the SDDL.
  SECURITY_INFORMATION what = DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION;
  if (owner != nullptr) what |= OWNER_SECURITY_INFORMATION;
  const DWORD err =
      SetSecurityInfo(instance.get(), SE_KERNEL_OBJECT, what, owner, nullptr, dacl, nullptr);
  if (err != ERROR_SUCCESS) {
    ThrowWin32Error(env, "securePipe: SetSecurityInfo", err);
    return env.Undefined();
  }
  // The extra instance is closed here; a client that reached it in the
  // meantime is disconnected and retries on one of libuv's.
  return env.Undefined();
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
  const DWORD err = GetSecurityInfo(pipe.get(), SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION,
                                    &owner, nullptr, nullptr, nullptr, &descriptor);
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

  Napi::Object result = Napi::Object::New(env);
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
  exports.Set("securePipe", Napi::Function::New<SecurePipe>(env, "securePipe"));
  exports.Set("inspectPipeServer",
              Napi::Function::New<InspectPipeServer>(env, "inspectPipeServer"));
  exports.Set("currentUserSid", Napi::Function::New<CurrentUserSid>(env, "currentUserSid"));
}

}  // namespace slipstream
