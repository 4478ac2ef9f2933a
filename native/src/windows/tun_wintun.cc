// TUN on Windows: a Wintun adapter (fixed GUID and name, recovered when an
// earlier run left it behind) and one ring session per device.
//
// Readiness: libuv cannot poll a Wintun session, so a reader thread per
// device waits on the session's read event and a quit event, and wakes the
// loop through a uv_async. The loop thread then drains the ring into the
// device's batch arena with TunReadBatch (DrainBatch), exactly as Linux reads
// its fd, and hands the batch to JS through the same BatchChannel. The thread
// waits again only after the loop has found the ring empty (the rearm event):
// that is when Wintun arms its read event, so no wake-up is lost and the
// thread never spins. Draining on the loop thread keeps the arena, which JS
// owns, touched by one thread only.
// platform.h first: it brings uv.h, whose winsock2.h must precede windows.h.
#include "../platform.h"

#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include <cerrno>
#include <memory>
#include <new>

#include "../ring/adapter_recovery.h"
#include "../ring/ring_batch.h"
#include "wintun_api.h"

namespace slipstream {
namespace {

// {4b71a838-42f0-42d1-a54b-89edf34db07b}: fixed, so a restarted app finds
// (and replaces) the adapter of a crashed run instead of piling up new ones.
constexpr GUID kAdapterGuid = {0x4b71a838, 0x42f0, 0x42d1,
                               {0xa5, 0x4b, 0x89, 0xed, 0xf3, 0x4d, 0xb0, 0x7b}};
constexpr char kDefaultName[] = "Slipstream";

struct WintunTun {
  const WintunFunctions* fn = nullptr;
  WintunAdapter adapter = nullptr;
  WintunSession session = nullptr;
  WintunRing* ring = nullptr;
  HANDLE read_event = nullptr;  // owned by the session
  HANDLE quit_event = nullptr;
  HANDLE rearm_event = nullptr;
  HANDLE thread = nullptr;
  uv_async_t* async = nullptr;
  void (*ready)(void*) = nullptr;
  void* ready_arg = nullptr;
  RingCounters counters;
  SendBudget budget;
};

WintunTun* FromHandle(NativeHandle handle) { return reinterpret_cast<WintunTun*>(handle); }

int ErrnoFromWin32(DWORD err) {
  switch (err) {
    case ERROR_MOD_NOT_FOUND:
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
      return ENOENT;
    case ERROR_ACCESS_DENIED:
      return EACCES;
    case ERROR_ALREADY_EXISTS:
      return EEXIST;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
      return ENOMEM;
    default:
      return EIO;
  }
}

DWORD WINAPI ReaderThread(void* arg) {
  auto* tun = static_cast<WintunTun*>(arg);
  // The first wake-up is unconditional: packets may have queued before the
  // thread started, and the drain that finds the ring empty arms the event.
  HANDLE rearm[2] = {tun->quit_event, tun->rearm_event};
  HANDLE readable[2] = {tun->quit_event, tun->read_event};
  for (;;) {
    uv_async_send(tun->async);
    if (WaitForMultipleObjects(2, rearm, FALSE, INFINITE) != WAIT_OBJECT_0 + 1) return 0;
    if (WaitForMultipleObjects(2, readable, FALSE, INFINITE) != WAIT_OBJECT_0 + 1) return 0;
  }
}

void OnAsync(uv_async_t* async) {
  auto* tun = static_cast<WintunTun*>(async->data);
  if (tun->ready != nullptr) tun->ready(tun->ready_arg);
}

void OnAsyncClosed(uv_handle_t* handle) { delete reinterpret_cast<uv_async_t*>(handle); }

void Destroy(WintunTun* tun) {
  if (tun->thread != nullptr) {
    SetEvent(tun->quit_event);
    WaitForSingleObject(tun->thread, INFINITE);
    CloseHandle(tun->thread);
  }
  // uv_close guarantees no OnAsync after this; the memory goes in its callback.
  if (tun->async != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(tun->async), OnAsyncClosed);
  }
  if (tun->session != nullptr) tun->fn->EndSession(tun->session);
  // Closing the adapter handle removes the adapter (and its addresses and routes).
  if (tun->adapter != nullptr) tun->fn->CloseAdapter(tun->adapter);
  if (tun->quit_event != nullptr) CloseHandle(tun->quit_event);
  if (tun->rearm_event != nullptr) CloseHandle(tun->rearm_event);
  delete tun->ring;
  delete tun;
}

}  // namespace

int TunOpen(const std::string& requested_name, bool /*want_offloads*/, TunInfo* out) {
  // Wintun has no segmentation offloads: out->offloads stays all false.
  DWORD err = 0;
  const WintunFunctions* fn = LoadWintun(&err);
  if (fn == nullptr) return ErrnoFromWin32(err);
  const std::string name = requested_name.empty() ? kDefaultName : requested_name;
  std::wstring wide(name.begin(), name.end());  // ReadInterfaceName admits ASCII only

  auto* tun = new (std::nothrow) WintunTun();
  if (tun == nullptr) return ENOMEM;
  tun->fn = fn;
  WintunAdapters adapters(fn, wide, kAdapterGuid);
  const AdapterResult got = OpenOrRecreateAdapter(adapters);
  if (got.status != AdapterStatus::kOk) {
    delete tun;
    return got.status == AdapterStatus::kExists ? EEXIST : ErrnoFromWin32(adapters.last_error());
  }
  tun->adapter = got.handle;
  tun->session = fn->StartSession(tun->adapter, kWintunRingCapacity);
  if (tun->session == nullptr) {
    err = GetLastError();
    Destroy(tun);
    return ErrnoFromWin32(err);
  }
  tun->ring = new (std::nothrow) WintunRing(fn, tun->session);
  tun->read_event = fn->GetReadWaitEvent(tun->session);
  tun->quit_event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  tun->rearm_event = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  if (tun->ring == nullptr || tun->read_event == nullptr || tun->quit_event == nullptr ||
      tun->rearm_event == nullptr) {
    Destroy(tun);
    return ENOMEM;
  }
  NET_LUID luid;
  fn->GetAdapterLUID(tun->adapter, &luid);
  NET_IFINDEX index = 0;
  if (ConvertInterfaceLuidToIndex(&luid, &index) != NO_ERROR) index = 0;
  out->handle = reinterpret_cast<NativeHandle>(tun);
  out->name = name;
  out->ifindex = index;
  return 0;
}

int TunNotifyStart(uv_loop_t* loop, NativeHandle handle, void (*ready)(void*), void* arg) {
  WintunTun* tun = FromHandle(handle);
  if (tun->async != nullptr) return EALREADY;
  auto* async = new (std::nothrow) uv_async_t();
  if (async == nullptr) return ENOMEM;
  if (uv_async_init(loop, async, OnAsync) != 0) {
    delete async;
    return EINVAL;
  }
  async->data = tun;
  tun->async = async;
  tun->ready = ready;
  tun->ready_arg = arg;
  tun->thread = CreateThread(nullptr, 0, ReaderThread, tun, 0, nullptr);
  if (tun->thread == nullptr) {
    const int e = ErrnoFromWin32(GetLastError());
    tun->ready = nullptr;
    return e;  // the async is closed with the device
  }
  return 0;
}

void TunNotifyAgain(NativeHandle handle) {
  WintunTun* tun = FromHandle(handle);
  if (tun->async != nullptr) uv_async_send(tun->async);
}

namespace {

int ReadRing(NativeHandle handle, uint8_t* arena, uint32_t* lengths, size_t max, size_t* count) {
  WintunTun* tun = FromHandle(handle);
  const DrainResult r = DrainBatch(*tun->ring, arena, kSlotSize, lengths, max, &tun->counters);
  *count = r.count;
  switch (r.stop) {
    case RingStatus::kOk:
      return 0;
    case RingStatus::kEmpty:
      // Wintun has armed its read event; let the reader thread wait on it.
      SetEvent(tun->rearm_event);
      return EAGAIN;
    case RingStatus::kClosed:
      return EPIPE;
    default:
      return EIO;
  }
}

int WriteRing(NativeHandle handle, const uint8_t* packet, size_t length) {
  if (length == 0 || length > 0xFFFF) return EMSGSIZE;  // WINTUN_MAX_IP_PACKET_SIZE
  WintunTun* tun = FromHandle(handle);
  switch (SendPacket(*tun->ring, packet, static_cast<uint32_t>(length), tun->budget,
                     &tun->counters)) {
    case RingStatus::kOk:
      return 0;
    case RingStatus::kFull:
      return ENOBUFS;  // dropped after the bounded wait; counted in send_full_drops
    case RingStatus::kClosed:
      return EPIPE;
    default:
      return EIO;
  }
}

// Plain packet I/O over the session ring: one packet per slot, no offloads.
class WintunIo final : public TunIo {
 public:
  int ReadBatch(NativeHandle handle, const DatagramSlots& slots, size_t* count,
                TunCounters* counters) override {
    const int err = ReadRing(handle, slots.arena, slots.lengths, kBatchCapacity, count);
    for (size_t i = 0; i < *count; ++i) slots.offsets[i] = static_cast<uint32_t>(i * kSlotSize);
    // One ReceivePacket per packet, and the one that found the ring empty.
    counters->read_syscalls += *count + (err != 0 ? 1 : 0);
    counters->packets_read += *count;
    return err;
  }

  int Write(NativeHandle handle, const uint8_t* packet, size_t length,
            TunCounters* counters) override {
    ++counters->write_syscalls;
    const int err = WriteRing(handle, packet, length);
    if (err == 0) {
      ++counters->packets_written;
    } else {
      ++counters->write_errors;
    }
    return err;
  }

  size_t WriteBatch(NativeHandle handle, const uint8_t* data, const uint32_t* offsets,
                    const uint32_t* lengths, size_t count, TunCounters* counters) override {
    size_t written = 0;
    for (size_t i = 0; i < count; ++i) {
      if (Write(handle, data + offsets[i], lengths[i], counters) == 0) ++written;
    }
    return written;
  }

  bool coalescing() const override { return false; }
};

}  // namespace

std::unique_ptr<TunIo> TunIo::Create(const TunOffloads& /*offloads*/) {
  return std::make_unique<WintunIo>();
}

void TunClose(NativeHandle handle) {
  if (handle == kInvalidHandle || handle == 0) return;
  Destroy(FromHandle(handle));
}

}  // namespace slipstream
