#include "adapter_recovery.h"

namespace slipstream {

AdapterResult OpenOrRecreateAdapter(AdapterApi& api, uint32_t max_recreates) {
  AdapterResult result;
  for (uint32_t round = 0; round <= max_recreates; ++round) {
    ++result.attempts;
    AdapterApi::Handle handle = nullptr;
    const AdapterStatus created = api.Create(&handle);
    if (created == AdapterStatus::kOk) {
      result.status = AdapterStatus::kOk;
      result.handle = handle;
      result.via = round == 0 ? AdapterResult::Via::kCreated : AdapterResult::Via::kRecreated;
      return result;
    }
    if (created != AdapterStatus::kExists) {
      result.status = created;
      return result;
    }
    if (round == max_recreates) break;
    // A stale adapter: remove it by closing a handle to it, then try again.
    AdapterApi::Handle stale = nullptr;
    const AdapterStatus opened = api.Open(&stale);
    if (opened == AdapterStatus::kOk) api.Close(stale);
    // kNotFound: the GUID is taken under another name, or the removal of a
    // previous handle is still running; either way a pause may settle it.
    api.Sleep(50u << round);
  }
  // Removing it did not work: use the adapter that is there.
  AdapterApi::Handle existing = nullptr;
  const AdapterStatus opened = api.Open(&existing);
  if (opened == AdapterStatus::kOk) {
    result.status = AdapterStatus::kOk;
    result.handle = existing;
    result.via = AdapterResult::Via::kReused;
    return result;
  }
  result.status = AdapterStatus::kExists;
  return result;
}

}  // namespace slipstream
