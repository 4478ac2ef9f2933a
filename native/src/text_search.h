// The log viewer's text search, natively: ASCII case folding and finding the
// lines that contain a pattern (app/log/ascii-fold.ts, app/log/line-filter.ts).
#ifndef SLIPSTREAM_TEXT_SEARCH_H_
#define SLIPSTREAM_TEXT_SEARCH_H_

#include <napi.h>

namespace slipstream {

void ExportTextSearch(Napi::Env env, Napi::Object exports);

}  // namespace slipstream

#endif  // SLIPSTREAM_TEXT_SEARCH_H_
