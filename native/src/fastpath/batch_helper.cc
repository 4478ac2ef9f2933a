#include "batch_helper.h"

#include <sched.h>

namespace slipstream {
namespace wg {
namespace {

// The CPUs this process may run on (taskset, a cpuset cgroup), not merely those online:
// on one, a helper would only take turns with the thread it is meant to relieve.
bool SeveralCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set) > 1;
  return std::thread::hardware_concurrency() > 1;
}

}  // namespace

BatchHelper::BatchHelper() {
  if (SeveralCpus()) thread_ = std::thread([this] { Loop(); });
}

BatchHelper::~BatchHelper() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void BatchHelper::Run(Work work, void* context, size_t count) {
  if (!thread_.joinable() || count < kMinSplit) {
    work(context, 0, count);
    return;
  }
  // The helper needs a moment to wake, so it takes a little less than half.
  const size_t split = count / 2 + count / 8;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    work_ = work;
    context_ = context;
    begin_ = split;
    end_ = count;
    pending_ = true;
  }
  wake_.notify_one();
  work(context, 0, split);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return !pending_; });
}

void BatchHelper::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return pending_ || stopping_; });
    if (stopping_) return;
    Work work = work_;
    void* context = context_;
    const size_t begin = begin_;
    const size_t end = end_;
    lock.unlock();
    work(context, begin, end);
    lock.lock();
    pending_ = false;
    done_.notify_one();
  }
}

}  // namespace wg
}  // namespace slipstream
