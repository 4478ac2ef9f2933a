// Getting a Wintun adapter with our fixed GUID and name even when an earlier
// run left one behind (a crash, an update that replaced the app while it ran):
// WintunCreateAdapter then fails with ERROR_ALREADY_EXISTS, the failure users
// report most. The policy lives here, over a narrow AdapterApi, so it is
// unit-tested with a fake on Linux; wintun_api.cc supplies the real calls.
#ifndef SLIPSTREAM_RING_ADAPTER_RECOVERY_H_
#define SLIPSTREAM_RING_ADAPTER_RECOVERY_H_

#include <cstdint>

namespace slipstream {

enum class AdapterStatus { kOk, kExists, kNotFound, kError };

class AdapterApi {
 public:
  using Handle = void*;
  virtual ~AdapterApi() = default;
  // Create the adapter with the fixed name and GUID.
  virtual AdapterStatus Create(Handle* out) = 0;
  // Open an existing adapter by the fixed name.
  virtual AdapterStatus Open(Handle* out) = 0;
  // Close a handle; closing the handle of an adapter removes the adapter.
  virtual void Close(Handle adapter) = 0;
  // Wait before retrying (device removal finishes asynchronously).
  virtual void Sleep(uint32_t milliseconds) = 0;
};

struct AdapterResult {
  AdapterStatus status = AdapterStatus::kError;
  AdapterApi::Handle handle = nullptr;
  // How the adapter was obtained, for the log.
  enum class Via { kNone, kCreated, kRecreated, kReused } via = Via::kNone;
  uint32_t attempts = 0;
};

// Create; on kExists open the stale adapter by name and close it (which
// removes it), then create again, up to `max_recreates` times with a growing
// pause. If creating still reports kExists (the old device is still being
// torn down, or removal is refused), the existing adapter is opened and used
// as it is. Every handle opened along the way is closed unless returned.
AdapterResult OpenOrRecreateAdapter(AdapterApi& api, uint32_t max_recreates = 3);

}  // namespace slipstream

#endif  // SLIPSTREAM_RING_ADAPTER_RECOVERY_H_
