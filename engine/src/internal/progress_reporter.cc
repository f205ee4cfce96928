// ProgressReporter implementation.
#include "internal/progress_reporter.h"

#include <algorithm>

#include "absl/time/time.h"

namespace n2v::internal {
namespace {
// Share of the whole run attributed to the counting pass, for `overall`.
constexpr double kCountingShare = 0.05;
}  // namespace

ProgressReporter::ProgressReporter(const EmbedControl& control,
                                   uint32_t epochs, uint64_t walks_per_epoch)
    : control_(control),
      epochs_(epochs),
      walks_per_epoch_(walks_per_epoch),
      start_(Clock::now()),
      phase_start_(start_),
      loss_sum_(new std::atomic<double>[epochs]),
      loss_pairs_(new std::atomic<uint64_t>[epochs]) {
  for (uint32_t e = 0; e < epochs; ++e) {
    loss_sum_[e] = 0;
    loss_pairs_[e] = 0;
  }
}

void ProgressReporter::StartPhase(EmbedPhase phase, uint64_t total_walks) {
  std::lock_guard<std::mutex> lock(report_mutex_);
  phase_ = phase;
  phase_total_ = total_walks;
  phase_start_ = Clock::now();
  walks_ = 0;
  nodes_ = 0;
  next_report_ns_ = 0;
}

void ProgressReporter::Add(uint64_t walks, uint64_t nodes,
                           const LossSum& loss) {
  const uint64_t before = walks_.fetch_add(walks, std::memory_order_relaxed);
  nodes_.fetch_add(nodes, std::memory_order_relaxed);
  if (loss.pairs > 0 && phase_ == EmbedPhase::kTraining) {
    const uint32_t epoch = static_cast<uint32_t>(
        std::min<uint64_t>(before / walks_per_epoch_, epochs_ - 1));
    loss_sum_[epoch].fetch_add(loss.sum, std::memory_order_relaxed);
    loss_pairs_[epoch].fetch_add(loss.pairs, std::memory_order_relaxed);
  }
  if (control_.on_progress) MaybeReport(false);
}

EmbedProgress ProgressReporter::Snapshot() const {
  EmbedProgress p;
  p.phase = phase_;
  p.walks_total = phase_total_;
  p.walks_done = std::min(walks_.load(), phase_total_);
  p.fraction = phase_total_ == 0 ? 1.0
                                 : static_cast<double>(p.walks_done) / phase_total_;
  p.overall = phase_ == EmbedPhase::kCounting
                  ? kCountingShare * p.fraction
                  : kCountingShare + (1 - kCountingShare) * p.fraction;
  const auto now = Clock::now();
  const double phase_seconds =
      std::chrono::duration<double>(now - phase_start_).count();
  p.elapsed_seconds = std::chrono::duration<double>(now - start_).count();
  p.nodes_per_second = phase_seconds > 0 ? nodes_.load() / phase_seconds : 0;
  if (phase_ == EmbedPhase::kTraining) {
    p.epoch = static_cast<uint32_t>(
        std::min<uint64_t>(p.walks_done / walks_per_epoch_, epochs_ - 1));
    for (int64_t e = p.epoch; e >= 0; --e) {
      const uint64_t pairs = loss_pairs_[e].load();
      if (pairs > 0) {
        p.loss = loss_sum_[e].load() / pairs;
        break;
      }
    }
  }
  return p;
}

void ProgressReporter::MaybeReport(bool force) {
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             Clock::now().time_since_epoch())
                             .count();
  if (!force && now_ns < next_report_ns_.load(std::memory_order_relaxed)) {
    return;
  }
  std::unique_lock<std::mutex> lock(report_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) {
    if (!force) return;
    lock.lock();
  }
  next_report_ns_ = now_ns + absl::ToInt64Nanoseconds(control_.progress_interval);
  control_.on_progress(Snapshot());
}

void ProgressReporter::Finish(double last_loss) {
  if (!control_.on_progress) return;
  std::lock_guard<std::mutex> lock(report_mutex_);
  EmbedProgress p = Snapshot();
  p.phase = EmbedPhase::kDone;
  p.fraction = 1;
  p.overall = 1;
  p.loss = last_loss;
  control_.on_progress(p);
}

}  // namespace n2v::internal
