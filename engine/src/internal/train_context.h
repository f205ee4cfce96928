// TrainContext and TrainWalk: everything one walk's training needs, shared
// by the Hogwild and the deterministic schedulers. A scheduler only decides
// which walks run where and how rows are addressed (the `Rows` policy).
#ifndef N2V_INTERNAL_TRAIN_CONTEXT_H_
#define N2V_INTERNAL_TRAIN_CONTEXT_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "internal/alias_table.h"
#include "internal/sgns_kernel.h"
#include "internal/walk_order.h"
#include "n2v/embed.h"
#include "n2v/embeddings.h"
#include "n2v/random.h"
#include "n2v/walker.h"

namespace n2v::internal {

// Random streams, so walks (WalkRng, stream 1), training draws and initial
// vectors never share random numbers.
inline constexpr uint64_t kTrainStream = 2;
inline constexpr uint64_t kInitStream = 3;
inline constexpr uint64_t kSubsampleStream = 4;

// The loss is computed for one centre in this many (it costs a log per row).
inline constexpr uint32_t kLossSampleEvery = 32;

struct TrainContext {
  const EmbedOptions* options = nullptr;
  const CsrGraph* graph = nullptr;
  const Node2VecWalker* walker = nullptr;
  WalkOrder order{1, 0};
  // Start nodes of the rounds of walks; empty means all nodes.
  std::vector<NodeIndex> starts;
  uint32_t num_nodes = 0;
  uint64_t walks_per_epoch = 0;
  uint64_t total_walks = 0;  // walks_per_epoch * epochs
  uint32_t stride = 0;
  float* syn0 = nullptr;     // input vectors (the embeddings)
  float* syn1 = nullptr;     // output vectors
  AliasTable negatives;
  std::vector<float> keep_prob;  // per node; empty when not subsampling
  const std::atomic<bool>* cancel = nullptr;

  bool cancelled() const {
    return cancel != nullptr && cancel->load(std::memory_order_relaxed);
  }
};

// Walks generated together: options.walks_per_batch (enough to overlap
// their cache misses), fewer for long walks so their buffers stay small.
inline uint32_t WalkBatch(const EmbedOptions& options) {
  const uint32_t fit = (uint32_t{1} << 16) / options.walk.walk_length;
  return std::clamp<uint32_t>(std::min(fit, options.walks_per_batch), 1,
                              kMaxInterleavedWalks);
}

// A batch of walks, generated together.
struct WalkBatchBuffers {
  explicit WalkBatchBuffers(const TrainContext& ctx)
      : size(WalkBatch(*ctx.options)),
        nodes(size_t{size} * ctx.options->walk.walk_length),
        walks(size),
        lengths(size),
        starts(size),
        rngs(size, Rng(0)) {
    for (uint32_t b = 0; b < size; ++b) {
      walks[b] = nodes.data() + size_t{b} * ctx.options->walk.walk_length;
    }
  }
  // Regenerates walks first .. first + count - 1 (count <= size; numbered
  // across epochs, walk w of an epoch is the same in every epoch) into
  // walks[b] and lengths[b], interleaved (Node2VecWalker::WalkInterleaved).
  void Generate(const TrainContext& ctx, uint64_t first, uint32_t count) {
    for (uint32_t b = 0; b < count; ++b) {
      const uint64_t w = (first + b) % ctx.walks_per_epoch;
      const uint32_t position = ctx.order.Start(w);
      starts[b] = ctx.starts.empty() ? position : ctx.starts[position];
      const auto round = static_cast<uint32_t>(w / ctx.order.size());
      rngs[b] = WalkRng(ctx.options->seed, ctx.graph->original_id(starts[b]),
                        round);
    }
    ctx.walker->WalkInterleaved({starts.data(), count}, rngs.data(),
                                walks.data(), lengths.data());
  }
  uint32_t size;
  std::vector<NodeIndex> nodes;
  std::vector<NodeIndex*> walks;   // walk b starts at walks[b]
  std::vector<uint32_t> lengths;
  std::vector<NodeIndex> starts;
  std::vector<Rng> rngs;
};

// Per-worker buffers.
struct WalkBuffers {
  explicit WalkBuffers(const TrainContext& ctx)
      : batch(ctx),
        kept(ctx.options->walk.walk_length),
        inputs(2 * ctx.options->window),
        outputs(1 + ctx.options->negatives),
        scratch(SgnsScratchFloats(2 * ctx.options->window,
                                  1 + ctx.options->negatives, ctx.stride)) {}
  WalkBatchBuffers batch;
  std::vector<NodeIndex> kept;
  std::vector<float*> inputs;
  std::vector<float*> outputs;
  AlignedFloats scratch;
};

// Applies frequent-node subsampling to walk `b` of buf.batch, which is walk
// number `global_walk` (epoch * walks_per_epoch + walk); the kept nodes go
// to buf.kept. Returns how many were kept.
inline uint32_t SubsampleWalk(const TrainContext& ctx, uint64_t global_walk,
                              uint32_t b, WalkBuffers& buf) {
  const NodeIndex* walk = buf.batch.walks[b];
  const uint32_t length = buf.batch.lengths[b];
  Rng rng(DeriveSeed(ctx.options->seed, kSubsampleStream, global_walk));
  uint32_t kept = 0;
  for (uint32_t i = 0; i < length; ++i) {
    const NodeIndex v = walk[i];
    if (ctx.keep_prob.empty() || ctx.keep_prob[v] >= 1.0f ||
        rng.UniformFloat() < ctx.keep_prob[v]) {
      buf.kept[kept++] = v;
    }
  }
  return kept;
}

// Generates and subsamples walk `global_walk` alone; returns how many nodes
// were kept (in buf.kept).
inline uint32_t PrepareWalk(const TrainContext& ctx, uint64_t global_walk,
                            WalkBuffers& buf) {
  buf.batch.Generate(ctx, global_walk, 1);
  return SubsampleWalk(ctx, global_walk, 0, buf);
}

// The SGD steps for centre `i` of a prepared walk of `kept` nodes: its
// window of contexts against the centre and its negatives (drawn once per
// centre, shared by its contexts), pair by pair or as one block. Each centre has
// its own random stream, so any range of centres can be trained
// independently of the others. `Rows` maps a node to its input row (Input)
// and output row (Output).
template <typename Rows>
void TrainCenter(const TrainContext& ctx, uint64_t global_walk, uint32_t i,
                 uint32_t kept, WalkBuffers& buf, Rows& rows, LossSum& loss) {
  const EmbedOptions& opt = *ctx.options;
  const uint64_t position =
      global_walk * opt.walk.walk_length + i;  // unique per centre
  Rng rng(DeriveSeed(opt.seed, kTrainStream, position));
  const double lr_span = static_cast<double>(opt.initial_learning_rate) -
                         opt.min_learning_rate;
  const double progress =
      (static_cast<double>(global_walk) + static_cast<double>(i) / kept) /
      static_cast<double>(ctx.total_walks);
  const float lr = static_cast<float>(std::max<double>(
      opt.min_learning_rate, opt.initial_learning_rate - lr_span * progress));
  const uint32_t reach = opt.shrink_window ? 1 + rng.Below(opt.window) : opt.window;
  const NodeIndex center = buf.kept[i];
  const uint32_t lo = i > reach ? i - reach : 0;
  const uint32_t hi = std::min(kept, i + reach + 1);
  // The window block: context rows against the centre and its negatives,
  // which all contexts of this centre share.
  uint32_t num_inputs = 0;
  for (uint32_t j = lo; j < hi; ++j) {
    if (j != i) buf.inputs[num_inputs++] = rows.Input(buf.kept[j]);
  }
  if (num_inputs == 0) return;
  uint32_t num_outputs = 0;
  buf.outputs[num_outputs++] = rows.Output(center);
  for (uint32_t k = 0; k < opt.negatives; ++k) {
    const NodeIndex negative = ctx.negatives.Sample(rng);
    if (negative != center) buf.outputs[num_outputs++] = rows.Output(negative);
  }
  loss.trained_pairs += num_inputs;
  LossSum* sampled = position % kLossSampleEvery == 0 ? &loss : nullptr;
  if (opt.batch_windows) {
    SgnsWindowUpdate(buf.inputs.data(), num_inputs, buf.outputs.data(),
                     num_outputs, lr, ctx.stride, buf.scratch.data(), sampled);
    return;
  }
  // Pair after pair, in window order, as word2vec does: each pair sees the
  // centre and negative rows as the previous pair left them.
  for (uint32_t j = 0; j < num_inputs; ++j) {
    SgnsPairUpdate(buf.inputs[j], buf.outputs.data(), num_outputs, lr,
                   ctx.stride, buf.scratch.data(), sampled);
  }
}

// Trains on the `kept` nodes of walk `global_walk` in buf.kept.
template <typename Rows>
void TrainWalk(const TrainContext& ctx, uint64_t global_walk, uint32_t kept,
               WalkBuffers& buf, Rows& rows, LossSum& loss) {
  for (uint32_t i = 0; i < kept; ++i) {
    TrainCenter(ctx, global_walk, i, kept, buf, rows, loss);
  }
}

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_TRAIN_CONTEXT_H_
