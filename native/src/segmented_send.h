// The policy of a segmented UDP send (Linux UDP_SEGMENT, Windows USO), once for
// both platforms: a run of equal-sized datagrams (the last maybe shorter) goes
// out in calls of at most kMaxGsoSegments segments and one IP datagram's
// payload each; a lone segment needs no offload; a refusal is remembered for
// the socket (*offload = false, counted) and the rest goes one datagram at a
// time, as everything does once *offload is false. The platforms supply only
// their system calls.
#ifndef SLIPSTREAM_SEGMENTED_SEND_H_
#define SLIPSTREAM_SEGMENTED_SEND_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "platform.h"

namespace slipstream {

// send_segments(data, length, segment_size): one offloaded send, 0 or an errno.
// refuses(err): whether err means "no offload here" (fall back) rather than a
//   real failure (return it).
// send_plain(data, length, segment_size): the datagrams without offload; counts
//   datagrams_sent itself.
template <typename SendSegments, typename Refuses, typename SendPlain>
int SendSegmented(const uint8_t* data, size_t length, size_t segment_size, size_t max_payload,
                  bool* offload, UdpCounters* counters, SendSegments send_segments,
                  Refuses refuses, SendPlain send_plain) {
  size_t at = 0;
  const size_t total_segments = (length + segment_size - 1) / segment_size;
  if (*offload && total_segments > 1) {
    const size_t per_send = std::min(kMaxGsoSegments, max_payload / segment_size);
    int err = 0;
    while (at < length) {
      const size_t chunk = std::min(per_send * segment_size, length - at);
      const size_t segments = (chunk + segment_size - 1) / segment_size;
      if (segments == 1) break;  // a lone tail segment: plain send below
      err = send_segments(data + at, chunk, segment_size);
      if (err == 0) {
        ++counters->gso_sends;
        counters->segments_sent += segments;
        counters->datagrams_sent += segments;
        at += chunk;
        continue;
      }
      if (!refuses(err)) break;
      *offload = false;
      ++counters->gso_fallbacks;
      err = 0;
      break;
    }
    if (err != 0) {
      ++counters->send_errors;
      return err;
    }
    if (at == length) return 0;
  }
  const int err = send_plain(data + at, length - at, segment_size);
  if (err != 0) ++counters->send_errors;
  return err;
}

}  // namespace slipstream

#endif  // SLIPSTREAM_SEGMENTED_SEND_H_
