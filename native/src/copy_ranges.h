// Many byte copies in one call, for the data path (app/tunnel/copy-queue.ts).
#ifndef SLIPSTREAM_COPY_RANGES_H_
#define SLIPSTREAM_COPY_RANGES_H_

#include <napi.h>

namespace slipstream {

void ExportCopyRanges(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_COPY_RANGES_H_
