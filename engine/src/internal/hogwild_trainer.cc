// Counting pass and Hogwild training (Recht et al., 2011): threads update
// shared rows without locks, as word2vec does.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "internal/trainers.h"

namespace n2v::internal {
namespace {

struct SharedRows {
  const TrainContext& ctx;
  float* Input(NodeIndex v) { return ctx.syn0 + size_t{v} * ctx.stride; }
  float* Output(NodeIndex v) { return ctx.syn1 + size_t{v} * ctx.stride; }
};

}  // namespace

absl::Status CountWalkOccurrences(const TrainContext& ctx,
                                  std::vector<uint64_t>& counts,
                                  ProgressReporter& progress) {
  progress.StartPhase(EmbedPhase::kCounting, ctx.walks_per_epoch);
  std::atomic<bool> cancelled{false};
  tbb::parallel_for(
      tbb::blocked_range<uint64_t>(0, ctx.walks_per_epoch, 64),
      [&](const tbb::blocked_range<uint64_t>& r) {
        WalkBatchBuffers batch(ctx);
        uint64_t nodes = 0;
        for (uint64_t w = r.begin(); w < r.end(); w += batch.size) {
          if (ctx.cancelled()) {
            cancelled = true;
            return;
          }
          const auto count =
              static_cast<uint32_t>(std::min<uint64_t>(batch.size, r.end() - w));
          batch.Generate(ctx, w, count);
          for (uint32_t b = 0; b < count; ++b) {
            for (uint32_t i = 0; i < batch.lengths[b]; ++i) {
              std::atomic_ref<uint64_t>(counts[batch.walks[b][i]])
                  .fetch_add(1, std::memory_order_relaxed);
            }
            nodes += batch.lengths[b];
          }
        }
        progress.Add(r.size(), nodes, LossSum{});
      });
  if (cancelled) return absl::CancelledError("embedding cancelled");
  return absl::OkStatus();
}

absl::StatusOr<TrainOutcome> TrainHogwild(const TrainContext& ctx,
                                                  ProgressReporter& progress) {
  progress.StartPhase(EmbedPhase::kTraining, ctx.total_walks);
  const uint32_t epochs = ctx.options->epochs;
  const int workers = tbb::this_task_arena::max_concurrency();
  std::vector<std::vector<LossSum>> worker_loss(workers,
                                                std::vector<LossSum>(epochs));
  std::atomic<uint64_t> trained{0};
  std::atomic<uint64_t> next{0};
  std::atomic<bool> cancelled{false};
  tbb::parallel_for(0, workers, [&](int worker) {
    WalkBuffers buf(ctx);
    SharedRows rows{ctx};
    std::vector<LossSum>& losses = worker_loss[worker];
    while (!cancelled.load(std::memory_order_relaxed)) {
      const uint64_t begin = next.fetch_add(buf.batch.size);
      if (begin >= ctx.total_walks) break;
      const uint64_t end = std::min<uint64_t>(begin + buf.batch.size, ctx.total_walks);
      buf.batch.Generate(ctx, begin, static_cast<uint32_t>(end - begin));
      for (uint64_t gw = begin; gw < end; ++gw) {
        if (ctx.cancelled()) {
          cancelled = true;
          break;
        }
        LossSum loss;
        const uint32_t kept =
            SubsampleWalk(ctx, gw, static_cast<uint32_t>(gw - begin), buf);
        TrainWalk(ctx, gw, kept, buf, rows, loss);
        losses[gw / ctx.walks_per_epoch].Add(loss);
        trained.fetch_add(kept, std::memory_order_relaxed);
        progress.Add(1, kept, loss);
      }
    }
  });
  if (cancelled) return absl::CancelledError("embedding cancelled");
  TrainOutcome outcome;
  std::vector<LossSum>& total = outcome.loss_per_epoch;
  total.resize(epochs);
  outcome.trained_nodes = trained.load();
  for (const auto& losses : worker_loss) {
    for (uint32_t e = 0; e < epochs; ++e) total[e].Add(losses[e]);
  }
  return outcome;
}

}  // namespace n2v::internal
