// A second thread for a batch's crypto. Sealing and opening are most of a data path
// thread's time under load, and a batch's packets are independent once their counters
// are assigned, so the calling thread does the head of a batch while its helper does the
// tail (wireguard-go spreads its crypto over every core the same way). Small batches
// (a ping, a keepalive) stay on the calling thread: no wake-up stands between a lone
// packet and the wire.
#ifndef SLIPSTREAM_FASTPATH_BATCH_HELPER_H_
#define SLIPSTREAM_FASTPATH_BATCH_HELPER_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace slipstream {
namespace wg {

class BatchHelper {
 public:
  // The work on items [begin, end) of a batch; called on either thread.
  using Work = void (*)(void* context, size_t begin, size_t end);

  // Below this many items a batch is done by the caller alone.
  static constexpr size_t kMinSplit = 8;

  // Starts the thread only when the process may run on more than one CPU.
  BatchHelper();
  ~BatchHelper();
  BatchHelper(const BatchHelper&) = delete;
  BatchHelper& operator=(const BatchHelper&) = delete;

  // Runs work over [0, count) and returns when all of it is done.
  void Run(Work work, void* context, size_t count);

 private:
  void Loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  Work work_ = nullptr;
  void* context_ = nullptr;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool pending_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wg
}  // namespace slipstream

#endif  // SLIPSTREAM_FASTPATH_BATCH_HELPER_H_
