// The two training schedulers and the counting pass. Schedulers return what
// they trained, or Cancelled.
#ifndef N2V_INTERNAL_TRAINERS_H_
#define N2V_INTERNAL_TRAINERS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "internal/progress_reporter.h"
#include "internal/train_context.h"

namespace n2v::internal {

struct TrainOutcome {
  std::vector<LossSum> loss_per_epoch;  // sampled
  uint64_t trained_nodes = 0;           // walk nodes kept by subsampling
};

// Generates every walk of one epoch once and counts node occurrences into
// `counts` (num_nodes entries, zeroed by the caller).
absl::Status CountWalkOccurrences(const TrainContext& ctx,
                                  std::vector<uint64_t>& counts,
                                  ProgressReporter& progress);

// Lock-free parallel SGD: workers take chunks of walks in corpus order.
absl::StatusOr<TrainOutcome> TrainHogwild(const TrainContext& ctx,
                                                  ProgressReporter& progress);

// Sharded SGD whose result does not depend on the thread count.
absl::StatusOr<TrainOutcome> TrainDeterministic(
    const TrainContext& ctx, ProgressReporter& progress);

// Shards per super-step of the deterministic mode, and the most walks' worth
// of corpus positions a shard takes (fewer on small graphs: about
// num_nodes / 64 positions, so that shards rarely touch the same rows).
inline constexpr uint32_t kDeterministicShards = 8;
inline constexpr uint32_t kWalksPerShard = 2;

// Corpus positions (centres) each deterministic shard trains per
// super-step for this context.
uint64_t PositionsPerShard(uint32_t num_nodes, uint32_t walk_length);

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_TRAINERS_H_
