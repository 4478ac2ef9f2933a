// Who is signed in: signedInUserSids() lists the user SIDs of the machine's
// logon sessions (console and remote, connected or disconnected: a
// disconnected session is still signed in), through WTSEnumerateSessionsW
// and each session's token (WTSQueryUserToken, which only LocalSystem may
// call). The helper service compares it with the users it serves when the SCM
// reports a logoff (service.cc's 'session' event) and stops the helpers of
// users who are gone (app/helper/served-users.ts, signedOut).
#include "sessions_windows.h"

#include <windows.h>
// After windows.h, which it builds on.
#include <wtsapi32.h>

#include <set>
#include <string>

#include "win32_util.h"

namespace slipstream {
namespace {

class WtsMemory {
 public:
  explicit WtsMemory(void* memory) : memory_(memory) {}
  ~WtsMemory() {
    if (memory_ != nullptr) WTSFreeMemory(memory_);
  }
  WtsMemory(const WtsMemory&) = delete;
  WtsMemory& operator=(const WtsMemory&) = delete;

 private:
  void* memory_;
};

Napi::Value SignedInUserSids(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WTS_SESSION_INFOW* sessions = nullptr;
  DWORD count = 0;
  if (!WTSEnumerateSessionsW(WTS_CURRENT_SERVER_HANDLE, 0, 1, &sessions, &count)) {
    ThrowWin32Error(env, "signedInUserSids: WTSEnumerateSessionsW", GetLastError());
    return env.Undefined();
  }
  WtsMemory owner(sessions);
  std::set<std::string> sids;
  DWORD first_error = ERROR_SUCCESS;
  for (DWORD i = 0; i < count; ++i) {
    // Listening (RDP listeners) and idle sessions have nobody in them.
    const WTS_CONNECTSTATE_CLASS state = sessions[i].State;
    if (state != WTSActive && state != WTSConnected && state != WTSDisconnected) continue;
    HANDLE token = nullptr;
    if (!WTSQueryUserToken(sessions[i].SessionId, &token)) {
      // ERROR_NO_TOKEN: a session without a signed-in user (session 0, the logon screen).
      const DWORD err = GetLastError();
      if (err != ERROR_NO_TOKEN && first_error == ERROR_SUCCESS) first_error = err;
      continue;
    }
    UniqueHandle owned(token);
    std::string sid;
    if (TokenUserSid(token, &sid) == ERROR_SUCCESS) sids.insert(sid);
  }
  // Half a list would stop the helpers of users who are still there: all or nothing.
  if (first_error != ERROR_SUCCESS) {
    ThrowWin32Error(env, "signedInUserSids: WTSQueryUserToken", first_error);
    return env.Undefined();
  }
  Napi::Array result = Napi::Array::New(env, sids.size());
  uint32_t at = 0;
  for (const std::string& sid : sids) result.Set(at++, Napi::String::New(env, sid));
  return result;
}

}  // namespace

void ExportSessions(Napi::Env env, Napi::Object exports) {
  exports.Set("signedInUserSids", Napi::Function::New<SignedInUserSids>(env, "signedInUserSids"));
}

}  // namespace slipstream
