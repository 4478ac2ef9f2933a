#include "win32_util.h"

#include <sddl.h>

#include <cstdint>
#include <vector>

namespace slipstream {

std::wstring Widen(const std::string& utf8) {
  if (utf8.empty()) return std::wstring();
  const int length = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()),
                                         nullptr, 0);
  if (length <= 0) return std::wstring();
  std::wstring wide(static_cast<size_t>(length), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), &wide[0], length);
  return wide;
}

std::string Narrow(const wchar_t* wide) {
  if (wide == nullptr || *wide == L'\0') return std::string();
  const int length = WideCharToMultiByte(CP_UTF8, 0, wide, -1, nullptr, 0, nullptr, nullptr);
  if (length <= 1) return std::string();
  std::string utf8(static_cast<size_t>(length), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide, -1, &utf8[0], length, nullptr, nullptr);
  utf8.resize(static_cast<size_t>(length - 1));  // the terminating NUL
  return utf8;
}

namespace {

// Names for the errors the JS side tells apart; the rest keep their number.
std::string ErrorName(DWORD err) {
  switch (err) {
    case ERROR_FILE_NOT_FOUND:
      return "ERROR_FILE_NOT_FOUND";
    case ERROR_ACCESS_DENIED:
      return "ERROR_ACCESS_DENIED";
    case ERROR_INVALID_PARAMETER:
      return "ERROR_INVALID_PARAMETER";
    case ERROR_ALREADY_EXISTS:
      return "ERROR_ALREADY_EXISTS";
    case ERROR_PIPE_BUSY:
      return "ERROR_PIPE_BUSY";
    case ERROR_SEM_TIMEOUT:
      return "ERROR_SEM_TIMEOUT";
    case ERROR_SERVICE_ALREADY_RUNNING:
      return "ERROR_SERVICE_ALREADY_RUNNING";
    case ERROR_SERVICE_DISABLED:
      return "ERROR_SERVICE_DISABLED";
    case ERROR_SERVICE_DOES_NOT_EXIST:
      return "ERROR_SERVICE_DOES_NOT_EXIST";
    case ERROR_INVALID_SID:
      return "ERROR_INVALID_SID";
    case ERROR_INVALID_SECURITY_DESCR:
      return "ERROR_INVALID_SECURITY_DESCR";
    default:
      return "WIN32_" + std::to_string(err);
  }
}

std::string ErrorText(DWORD err) {
  wchar_t* text = nullptr;
  const DWORD length = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, err, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  LocalMemory owner(text);
  if (length == 0 || text == nullptr) return "Win32 error " + std::to_string(err);
  std::string message = Narrow(text);
  // FormatMessage ends its text with ".\r\n".
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' ||
                              message.back() == ' ' || message.back() == '.')) {
    message.pop_back();
  }
  return message;
}

}  // namespace

Napi::Error Win32Error(Napi::Env env, const std::string& operation, DWORD err) {
  Napi::Error error = Napi::Error::New(env, operation + ": " + ErrorText(err));
  error.Set("code", Napi::String::New(env, ErrorName(err)));
  error.Set("errno", Napi::Number::New(env, static_cast<double>(err)));
  return error;
}

void ThrowWin32Error(Napi::Env env, const std::string& operation, DWORD err) {
  Win32Error(env, operation, err).ThrowAsJavaScriptException();
}

DWORD SidToString(PSID sid, std::string* out) {
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(sid, &text)) return GetLastError();
  LocalMemory owner(text);
  *out = Narrow(text);
  return ERROR_SUCCESS;
}

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

}  // namespace slipstream
