#include "wintun_api.h"

#include <mutex>

namespace slipstream {
namespace {

std::mutex g_mutex;
std::wstring g_path;
HMODULE g_module = nullptr;
WintunFunctions g_functions;

bool IsAbsolute(const std::wstring& p) {
  // "C:\..." or "\\server\...": never a bare name the loader would search for.
  return (p.size() > 3 && p[1] == L':' && (p[2] == L'\\' || p[2] == L'/')) ||
         (p.size() > 2 && p[0] == L'\\' && p[1] == L'\\');
}

template <typename T>
bool Resolve(HMODULE module, const char* name, T* out) {
  // GetProcAddress returns FARPROC; the cast through void* is how every
  // Windows loader of optional APIs does it.
  FARPROC p = GetProcAddress(module, name);
  *out = reinterpret_cast<T>(reinterpret_cast<void*>(p));
  return p != nullptr;
}

}  // namespace

void SetWintunPath(const std::wstring& path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_path = path;
}

const WintunFunctions* LoadWintun(DWORD* err) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_module != nullptr) return &g_functions;
  if (!IsAbsolute(g_path)) {
    *err = ERROR_MOD_NOT_FOUND;
    return nullptr;
  }
  // A full path, so the DLL is the one shipped in the app's resources and
  // never a stale copy in System32 or on PATH; its own imports (system DLLs
  // only) come from the application directory or System32, never the
  // current directory.
  HMODULE module = LoadLibraryExW(
      g_path.c_str(), nullptr, LOAD_LIBRARY_SEARCH_APPLICATION_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
  if (module == nullptr) {
    *err = GetLastError();
    return nullptr;
  }
  // A module of that name loaded earlier from elsewhere would be handed back
  // instead: refuse anything but the file we asked for.
  wchar_t loaded[MAX_PATH * 2];
  const DWORD n = GetModuleFileNameW(module, loaded, MAX_PATH * 2);
  if (n == 0 || n >= MAX_PATH * 2 || _wcsicmp(loaded, g_path.c_str()) != 0) {
    FreeLibrary(module);
    *err = ERROR_DLL_INIT_FAILED;
    return nullptr;
  }
  WintunFunctions f{};
  const bool ok = Resolve(module, "WintunCreateAdapter", &f.CreateAdapter) &&
                  Resolve(module, "WintunOpenAdapter", &f.OpenAdapter) &&
                  Resolve(module, "WintunCloseAdapter", &f.CloseAdapter) &&
                  Resolve(module, "WintunGetAdapterLUID", &f.GetAdapterLUID) &&
                  Resolve(module, "WintunStartSession", &f.StartSession) &&
                  Resolve(module, "WintunEndSession", &f.EndSession) &&
                  Resolve(module, "WintunGetReadWaitEvent", &f.GetReadWaitEvent) &&
                  Resolve(module, "WintunReceivePacket", &f.ReceivePacket) &&
                  Resolve(module, "WintunReleaseReceivePacket", &f.ReleaseReceivePacket) &&
                  Resolve(module, "WintunAllocateSendPacket", &f.AllocateSendPacket) &&
                  Resolve(module, "WintunSendPacket", &f.SendPacket);
  if (!ok) {
    FreeLibrary(module);
    *err = ERROR_PROC_NOT_FOUND;
    return nullptr;
  }
  // Kept loaded for the life of the process: sessions may outlive any one device.
  g_module = module;
  g_functions = f;
  return &g_functions;
}

namespace {

RingStatus FromLastError() {
  switch (GetLastError()) {
    case ERROR_NO_MORE_ITEMS:
      return RingStatus::kEmpty;
    case ERROR_BUFFER_OVERFLOW:
      return RingStatus::kFull;
    case ERROR_HANDLE_EOF:
      return RingStatus::kClosed;
    default:
      return RingStatus::kError;
  }
}

}  // namespace

RingStatus WintunRing::Receive(const uint8_t** packet, uint32_t* length) {
  DWORD size = 0;
  BYTE* p = fn_->ReceivePacket(session_, &size);
  if (p == nullptr) return FromLastError();
  *packet = p;
  *length = size;
  return RingStatus::kOk;
}

void WintunRing::ReleaseReceived(const uint8_t* packet) {
  fn_->ReleaseReceivePacket(session_, packet);
}

RingStatus WintunRing::Allocate(uint32_t length, uint8_t** packet) {
  BYTE* p = fn_->AllocateSendPacket(session_, length);
  if (p == nullptr) return FromLastError();
  *packet = p;
  return RingStatus::kOk;
}

void WintunRing::Send(uint8_t* packet) { fn_->SendPacket(session_, packet); }

void WintunRing::Backoff() { SwitchToThread(); }

AdapterStatus WintunAdapters::Create(Handle* out) {
  WintunAdapter a = fn_->CreateAdapter(name_.c_str(), L"Slipstream", &guid_);
  if (a != nullptr) {
    *out = a;
    return AdapterStatus::kOk;
  }
  last_error_ = GetLastError();
  return last_error_ == ERROR_ALREADY_EXISTS ? AdapterStatus::kExists : AdapterStatus::kError;
}

AdapterStatus WintunAdapters::Open(Handle* out) {
  WintunAdapter a = fn_->OpenAdapter(name_.c_str());
  if (a != nullptr) {
    *out = a;
    return AdapterStatus::kOk;
  }
  last_error_ = GetLastError();
  return last_error_ == ERROR_FILE_NOT_FOUND || last_error_ == ERROR_NOT_FOUND
             ? AdapterStatus::kNotFound
             : AdapterStatus::kError;
}

void WintunAdapters::Close(Handle adapter) { fn_->CloseAdapter(adapter); }

void WintunAdapters::Sleep(uint32_t milliseconds) { ::Sleep(milliseconds); }

}  // namespace slipstream
