// The helper's control pipe, served by the addon rather than by libuv, so
// that every instance of the pipe has its DACL from the moment it exists.
// libuv's uv_pipe_bind creates its instances with the default security
// descriptor (which lets every local user open the pipe for reading) and Node
// offers no way to pass one; setting the DACL afterwards (the earlier
// securePipe) left a window between the two.
//
// createPipeServer(path, sddl, onEvent):
// - creates the first instance synchronously with FILE_FLAG_FIRST_PIPE_INSTANCE
//   and the SDDL's security descriptor: when the name exists already (a
//   squatter, or a second helper), this fails with ERROR_ALREADY_EXISTS (seen
//   beforehand) or ERROR_ACCESS_DENIED (the flag) and nothing is served;
// - a thread of its own waits in an overlapped ConnectNamedPipe (not a libuv
//   pool thread: one would be blocked for the server's whole life), and on
//   each connection first creates the next instance, so the name never has
//   no instance a squatter could take, then hands the connected handle to JS;
// - JS gets it as a C runtime descriptor of node's own CRT
//   (uv_open_osfhandle, which node.exe and Electron export; an fd of the
//   addon's CRT would mean nothing to libuv) as onEvent(null, fd), and wraps
//   it in new net.Socket({ fd }) (libuv's uv_pipe_open, which handles an
//   overlapped server end as it handles its own);
// - with { identify: true } the thread first learns who connected, by
//   impersonating the client for a moment (ImpersonateNamedPipeClient, then
//   the thread token's user), and JS gets onEvent(null, fd, sid): what a
//   client cannot claim for itself, unlike anything it might write. A client
//   that allows only anonymous impersonation gets sid "" and is to be refused;
// - onEvent(error) once when the loop stops on an error (no more clients);
// - close() stops the loop and closes the waiting instance; connections
//   already handed out stay open until their sockets close.
#include "pipe_server.h"

#include <uv.h>
#include <windows.h>
// After windows.h, which it builds on.
#include <sddl.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "../js_errors.h"
#include "win32_util.h"

namespace slipstream {
namespace {

constexpr DWORD kPipeBufferSize = 65536;

struct PipeServer {
  std::wstring path;
  PSECURITY_DESCRIPTOR descriptor = nullptr;  // LocalFree'd in the destructor
  HANDLE waiting = INVALID_HANDLE_VALUE;      // the instance ConnectNamedPipe waits on
  HANDLE connect_event = nullptr;
  HANDLE quit_event = nullptr;
  std::thread thread;
  Napi::ThreadSafeFunction on_event;
  bool identify = false;
  bool closed = false;  // JS thread only

  ~PipeServer() {
    if (waiting != INVALID_HANDLE_VALUE) CloseHandle(waiting);
    if (connect_event != nullptr) CloseHandle(connect_event);
    if (quit_event != nullptr) CloseHandle(quit_event);
    if (descriptor != nullptr) LocalFree(descriptor);
  }
};

// What the accept thread sends to JS: a connected instance, or why it stopped.
struct Delivery {
  HANDLE pipe = INVALID_HANDLE_VALUE;
  DWORD error = 0;
  std::string operation;
  std::string sid;  // with identify: the client's user, "" when unknown
};

HANDLE CreateInstance(const PipeServer& server, bool first) {
  SECURITY_ATTRIBUTES attributes = {sizeof(SECURITY_ATTRIBUTES), server.descriptor, FALSE};
  const DWORD open_mode =
      PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  // Byte mode as libuv's own pipes; remote (SMB) clients refused outright.
  const DWORD pipe_mode =
      PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS;
  return CreateNamedPipeW(server.path.c_str(), open_mode, pipe_mode, PIPE_UNLIMITED_INSTANCES,
                          kPipeBufferSize, kPipeBufferSize, 0, &attributes);
}

void Deliver(PipeServer* server, Delivery* delivery) {
  const napi_status status = server->on_event.BlockingCall(
      delivery, [](Napi::Env env, Napi::Function callback, Delivery* d) {
        std::unique_ptr<Delivery> owned(d);
        if (d->pipe == INVALID_HANDLE_VALUE) {
          callback.Call({Win32Error(env, d->operation, d->error).Value()});
          return;
        }
        const int fd = uv_open_osfhandle(d->pipe);
        if (fd < 0) {
          CloseHandle(d->pipe);
          callback.Call(
              {Win32Error(env, "createPipeServer: _open_osfhandle", ERROR_TOO_MANY_OPEN_FILES)
                   .Value()});
          return;
        }
        callback.Call(
            {env.Null(), Napi::Number::New(env, fd), Napi::String::New(env, d->sid)});
      });
  if (status != napi_ok) {
    // The environment is going away: nobody will take the connection.
    if (delivery->pipe != INVALID_HANDLE_VALUE) CloseHandle(delivery->pipe);
    delete delivery;
  }
}

// Waits for a client on server->waiting; true when one connected, false when
// asked to quit or on an error (then *error and *operation say which).
bool WaitForClient(PipeServer* server, DWORD* error, std::string* operation) {
  for (;;) {
    if (WaitForSingleObject(server->quit_event, 0) == WAIT_OBJECT_0) {
      *error = 0;
      return false;
    }
    OVERLAPPED overlapped = {};
    overlapped.hEvent = server->connect_event;
    ResetEvent(server->connect_event);
    if (ConnectNamedPipe(server->waiting, &overlapped)) return true;
    DWORD err = GetLastError();
    // A client that connected between CreateNamedPipeW and this call.
    if (err == ERROR_PIPE_CONNECTED) return true;
    if (err == ERROR_IO_PENDING) {
      HANDLE waits[2] = {server->connect_event, server->quit_event};
      const DWORD woke = WaitForMultipleObjects(2, waits, FALSE, INFINITE);
      DWORD ignored = 0;
      if (woke != WAIT_OBJECT_0) {
        CancelIoEx(server->waiting, &overlapped);
        // The OVERLAPPED lives on this stack: wait until the cancel is final.
        GetOverlappedResult(server->waiting, &overlapped, &ignored, TRUE);
        *error = 0;
        return false;
      }
      if (GetOverlappedResult(server->waiting, &overlapped, &ignored, FALSE)) return true;
      err = GetLastError();
    }
    // A client that came and went before we saw it: the instance is reusable.
    if (err == ERROR_NO_DATA) {
      DisconnectNamedPipe(server->waiting);
      continue;
    }
    *error = err;
    *operation = "createPipeServer: ConnectNamedPipe";
    return false;
  }
}

// The user of the client on `pipe`, "" when it cannot be learnt. The accept
// thread impersonates for the length of this call only.
std::string ClientSid(HANDLE pipe) {
  if (!ImpersonateNamedPipeClient(pipe)) return "";
  std::string sid;
  HANDLE token = nullptr;
  // OpenAsSelf: the access check is against the service's own token.
  if (OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &token)) {
    UniqueHandle owned(token);
    if (TokenUserSid(token, &sid) != ERROR_SUCCESS) sid.clear();
  }
  // Without this the thread would go on as the client: nothing more may run.
  if (!RevertToSelf()) std::abort();
  return sid;
}

void AcceptLoop(PipeServer* server) {
  for (;;) {
    DWORD error = 0;
    std::string operation;
    if (!WaitForClient(server, &error, &operation)) {
      if (error != 0) Deliver(server, new Delivery{INVALID_HANDLE_VALUE, error, operation, {}});
      break;
    }
    HANDLE connected = server->waiting;
    // The next instance before the connection is handed on.
    server->waiting = CreateInstance(*server, false);
    const DWORD create_error = server->waiting == INVALID_HANDLE_VALUE ? GetLastError() : 0;
    Deliver(server, new Delivery{connected, 0, {}, server->identify ? ClientSid(connected) : ""});
    if (create_error != 0) {
      Deliver(server, new Delivery{INVALID_HANDLE_VALUE, create_error,
                                   "createPipeServer: CreateNamedPipeW (next instance)", {}});
      break;
    }
  }
  // Lets the event loop go once close() has been called too.
  server->on_event.Release();
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  auto* server = static_cast<PipeServer*>(info.Data());
  if (server->closed) return info.Env().Undefined();
  server->closed = true;
  SetEvent(server->quit_event);
  // The loop is in WaitForMultipleObjects or about to be: it returns at once.
  server->thread.join();
  delete server;
  return info.Env().Undefined();
}

Napi::Value CreatePipeServer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsFunction() ||
      (info.Length() > 3 && !info[3].IsObject() && !info[3].IsUndefined())) {
    ThrowTypeError(env,
                   "createPipeServer(pipePath: string, sddl: string, onEvent: function, "
                   "options?: { identify?: boolean })");
    return env.Undefined();
  }
  auto server = std::make_unique<PipeServer>();
  if (info.Length() > 3 && info[3].IsObject()) {
    server->identify = info[3].As<Napi::Object>().Get("identify").ToBoolean().Value();
  }
  server->path = Widen(info[0].As<Napi::String>().Utf8Value());
  const std::wstring sddl = Widen(info[1].As<Napi::String>().Utf8Value());
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1,
                                                            &server->descriptor, nullptr)) {
    ThrowWin32Error(env, "createPipeServer: parsing the security descriptor", GetLastError());
    return env.Undefined();
  }
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  if (!GetSecurityDescriptorDacl(server->descriptor, &present, &dacl, &defaulted) || !present ||
      dacl == nullptr) {
    // A missing or null DACL would grant everybody everything.
    ThrowRangeError(env, "createPipeServer: the security descriptor must have a DACL");
    return env.Undefined();
  }
  // Whether the name is served already. FILE_FLAG_FIRST_PIPE_INSTANCE below is
  // what makes this race-free on Windows; this earlier look gives the same
  // answer where that flag is ignored (wine 8 ignores it: a second
  // CreateNamedPipeW, libuv's included, succeeds there). A free instance
  // makes WaitNamedPipeW return at once, a busy one runs out the 1 ms; only
  // ERROR_FILE_NOT_FOUND means nobody has the name.
  if (WaitNamedPipeW(server->path.c_str(), 1) || GetLastError() != ERROR_FILE_NOT_FOUND) {
    ThrowWin32Error(env, "createPipeServer: the pipe exists already", ERROR_ALREADY_EXISTS);
    return env.Undefined();
  }
  server->waiting = CreateInstance(*server, true);
  if (server->waiting == INVALID_HANDLE_VALUE) {
    // ERROR_ACCESS_DENIED: the name exists (FILE_FLAG_FIRST_PIPE_INSTANCE).
    ThrowWin32Error(env, "createPipeServer: CreateNamedPipeW", GetLastError());
    return env.Undefined();
  }
  server->connect_event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  server->quit_event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (server->connect_event == nullptr || server->quit_event == nullptr) {
    ThrowWin32Error(env, "createPipeServer: CreateEventW", GetLastError());
    return env.Undefined();
  }
  server->on_event = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(),
                                                   "slipstream-pipe-server", 0, 1);
  PipeServer* raw = server.release();
  raw->thread = std::thread(AcceptLoop, raw);
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("close", Napi::Function::New(env, Close, "close", raw));
  return handle;
}

}  // namespace

void ExportPipeServer(Napi::Env env, Napi::Object exports) {
  exports.Set("createPipeServer", Napi::Function::New<CreatePipeServer>(env, "createPipeServer"));
}

}  // namespace slipstream
