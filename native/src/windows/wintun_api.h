// wintun.dll, loaded at run time by full path, and the two narrow seams the
// portable ring code (../ring) is written against: a PacketRing over one
// Wintun session and an AdapterApi over adapter create/open/close.
#ifndef SLIPSTREAM_WINDOWS_WINTUN_API_H_
#define SLIPSTREAM_WINDOWS_WINTUN_API_H_

#include <windows.h>
#include <ifdef.h>

#include <string>

#include "../ring/adapter_recovery.h"
#include "../ring/packet_ring.h"

namespace slipstream {

// The documented wintun.h signatures (Wintun 0.14), declared here so the
// build needs no Wintun headers.
using WintunAdapter = void*;
using WintunSession = void*;
struct WintunFunctions {
  WintunAdapter(WINAPI* CreateAdapter)(LPCWSTR name, LPCWSTR tunnel_type, const GUID* guid);
  WintunAdapter(WINAPI* OpenAdapter)(LPCWSTR name);
  void(WINAPI* CloseAdapter)(WintunAdapter adapter);
  void(WINAPI* GetAdapterLUID)(WintunAdapter adapter, NET_LUID* luid);
  WintunSession(WINAPI* StartSession)(WintunAdapter adapter, DWORD capacity);
  void(WINAPI* EndSession)(WintunSession session);
  HANDLE(WINAPI* GetReadWaitEvent)(WintunSession session);
  BYTE*(WINAPI* ReceivePacket)(WintunSession session, DWORD* size);
  void(WINAPI* ReleaseReceivePacket)(WintunSession session, const BYTE* packet);
  BYTE*(WINAPI* AllocateSendPacket)(WintunSession session, DWORD size);
  void(WINAPI* SendPacket)(WintunSession session, const BYTE* packet);
};

// Where wintun.dll is: an absolute path, set from JS (setWintunPath) before
// the first openTun. The packaged app passes resources\wintun\wintun.dll.
void SetWintunPath(const std::wstring& path);

// The process-wide function table, loading the DLL on first use. Null with
// *err (a Win32 error) when the path is unset, not absolute, or the DLL
// cannot be loaded from exactly that path.
const WintunFunctions* LoadWintun(DWORD* err);

// 16 MiB: ~10 Gbit/s for ~10 ms of the other side not reading.
constexpr DWORD kWintunRingCapacity = 0x1000000;

class WintunRing final : public PacketRing {
 public:
  WintunRing(const WintunFunctions* fn, WintunSession session) : fn_(fn), session_(session) {}
  RingStatus Receive(const uint8_t** packet, uint32_t* length) override;
  void ReleaseReceived(const uint8_t* packet) override;
  RingStatus Allocate(uint32_t length, uint8_t** packet) override;
  void Send(uint8_t* packet) override;
  void Backoff() override;

 private:
  const WintunFunctions* fn_;
  WintunSession session_;
};

class WintunAdapters final : public AdapterApi {
 public:
  WintunAdapters(const WintunFunctions* fn, std::wstring name, const GUID& guid)
      : fn_(fn), name_(std::move(name)), guid_(guid) {}
  AdapterStatus Create(Handle* out) override;
  AdapterStatus Open(Handle* out) override;
  void Close(Handle adapter) override;
  void Sleep(uint32_t milliseconds) override;
  // The Win32 error of the last failed Create/Open.
  DWORD last_error() const { return last_error_; }

 private:
  const WintunFunctions* fn_;
  std::wstring name_;
  GUID guid_;
  DWORD last_error_ = 0;
};

}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_WINTUN_API_H_
