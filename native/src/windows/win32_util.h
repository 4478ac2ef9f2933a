// Small Win32 helpers shared by the Windows-only bindings (pipe_security.cc,
// service_control.cc): UTF-8/UTF-16 conversion, owning wrappers so every
// handle and LocalAlloc'd buffer is released on every path, and JS errors
// that carry the Win32 error.
#ifndef SLIPSTREAM_WINDOWS_WIN32_UTIL_H_
#define SLIPSTREAM_WINDOWS_WIN32_UTIL_H_

#include <napi.h>
#include <windows.h>

#include <string>

namespace slipstream {

std::wstring Widen(const std::string& utf8);
std::string Narrow(const wchar_t* wide);

// Error "<operation>: <FormatMessage text>" with `code` (the ERROR_* name
// where known, else "WIN32_<n>") and `errno` (the Win32 error number).
void ThrowWin32Error(Napi::Env env, const std::string& operation, DWORD err);
// The same error as a value, for a callback (pipe_server.cc).
Napi::Error Win32Error(Napi::Env env, const std::string& operation, DWORD err);

// A kernel handle closed with CloseHandle. INVALID_HANDLE_VALUE and null both
// mean "none" (CreateFileW and CreateNamedPipeW return the former, OpenProcess
// and OpenProcessToken the latter).
class UniqueHandle {
 public:
  explicit UniqueHandle(HANDLE handle = nullptr) : handle_(handle) {}
  ~UniqueHandle() {
    if (valid()) CloseHandle(handle_);
  }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;
  bool valid() const { return handle_ != nullptr && handle_ != INVALID_HANDLE_VALUE; }
  HANDLE get() const { return handle_; }

 private:
  HANDLE handle_;
};

// Memory the system allocated with LocalAlloc (security descriptors, SID
// strings, FormatMessage text), released with LocalFree.
class LocalMemory {
 public:
  explicit LocalMemory(void* memory = nullptr) : memory_(memory) {}
  ~LocalMemory() {
    if (memory_ != nullptr) LocalFree(memory_);
  }
  LocalMemory(const LocalMemory&) = delete;
  LocalMemory& operator=(const LocalMemory&) = delete;

 private:
  void* memory_;
};

// The string form ("S-1-5-18") of a SID; 0 or a Win32 error.
DWORD SidToString(PSID sid, std::string* out);

// The user of a token ("S-1-5-18"); 0 or a Win32 error.
DWORD TokenUserSid(HANDLE token, std::string* out);

}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_WIN32_UTIL_H_
