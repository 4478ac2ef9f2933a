// Test-only export of the ring logic with fakes; see test_ring.cc.
#ifndef SLIPSTREAM_RING_TEST_RING_H_
#define SLIPSTREAM_RING_TEST_RING_H_

#include <napi.h>

namespace slipstream {

void ExportRingTesting(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_RING_TEST_RING_H_
