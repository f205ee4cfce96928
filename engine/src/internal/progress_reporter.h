// ProgressReporter: turns counters bumped by worker threads into rate-limited
// EmbedProgress callbacks.
//
// Thread safety: Add may be called from any thread; the callback never runs
// concurrently with itself.
#ifndef N2V_INTERNAL_PROGRESS_REPORTER_H_
#define N2V_INTERNAL_PROGRESS_REPORTER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include "internal/sgns_kernel.h"
#include "n2v/embed.h"

namespace n2v::internal {

class ProgressReporter {
 public:
  ProgressReporter(const EmbedControl& control, uint32_t epochs,
                   uint64_t walks_per_epoch);

  // Starts a phase of `total_walks` walks.
  void StartPhase(EmbedPhase phase, uint64_t total_walks);
  // Records finished walks, their nodes and (training only) sampled loss.
  void Add(uint64_t walks, uint64_t nodes, const LossSum& loss);
  // Reports the final state once.
  void Finish(double last_loss);

 private:
  using Clock = std::chrono::steady_clock;
  void MaybeReport(bool force);
  EmbedProgress Snapshot() const;

  const EmbedControl& control_;
  const uint32_t epochs_;
  const uint64_t walks_per_epoch_;
  const Clock::time_point start_;
  Clock::time_point phase_start_;
  std::atomic<EmbedPhase> phase_{EmbedPhase::kCounting};
  uint64_t phase_total_ = 0;
  std::atomic<uint64_t> walks_{0}, nodes_{0};
  std::unique_ptr<std::atomic<double>[]> loss_sum_;
  std::unique_ptr<std::atomic<uint64_t>[]> loss_pairs_;
  std::atomic<int64_t> next_report_ns_{0};
  std::mutex report_mutex_;
};

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_PROGRESS_REPORTER_H_
