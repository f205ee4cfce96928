// Deterministic parallel SGD.
//
// The corpus (all epochs, in walk order, walk_length positions per walk) is
// cut into super-steps of kDeterministicShards shards of consecutive
// positions (centres): about num_nodes / 64 of them, between 1 and
// kWalksPerShard walks' worth. During a super-step the shared rows are
// read-only: each shard trains sequentially
// on private copies of the rows it touches (copied on first touch, so it sees
// its own updates). Then each touched row is merged once: the row becomes
// base + sum over shards, in shard order, of (shard copy - base). Which
// thread ran a shard, or merged a row, never matters, so vectors are
// bit-identical for any thread count. The cost against Hogwild is the row
// copies and the merge, and one super-step of staleness between shards,
// which is why shards are short: summing changes computed from the same
// base overshoots, and diverges, when shards update the same rows many
// times (long shards on hub rows, or any shard on a graph of a few dozen
// nodes) -- hence shard size proportional to the number of nodes.
#include <algorithm>
#include <cstring>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "internal/trainers.h"

namespace n2v::internal {
namespace {

constexpr uint32_t kNoSlot = 0xffffffffu;
constexpr uint32_t kRowsPerBlock = 1024;

// Private copies of the rows of one matrix touched in a super-step. Rows live
// in fixed blocks, so pointers stay valid while more rows are added.
class RowCopies {
 public:
  RowCopies(uint32_t num_nodes, uint32_t stride)
      : slot_(num_nodes, kNoSlot), stride_(stride) {}

  float* Get(NodeIndex v, const float* shared) {
    uint32_t& slot = slot_[v];
    if (slot == kNoSlot) {
      slot = static_cast<uint32_t>(rows_.size());
      rows_.push_back(v);
      if (slot / kRowsPerBlock == blocks_.size()) {
        blocks_.emplace_back(size_t{kRowsPerBlock} * stride_);
      }
      std::memcpy(At(slot), shared + size_t{v} * stride_,
                  stride_ * sizeof(float));
    }
    return At(slot);
  }

  // The private copy of v, or null when this shard did not touch v.
  const float* Find(NodeIndex v) const {
    const uint32_t slot = slot_[v];
    return slot == kNoSlot ? nullptr : At(slot);
  }
  const std::vector<NodeIndex>& rows() const { return rows_; }

  void Clear() {
    for (NodeIndex v : rows_) slot_[v] = kNoSlot;
    rows_.clear();
  }

  size_t MemoryBytes() const {
    return slot_.capacity() * sizeof(uint32_t) +
           blocks_.size() * size_t{kRowsPerBlock} * stride_ * sizeof(float);
  }

 private:
  float* At(uint32_t slot) {
    return blocks_[slot / kRowsPerBlock].data() +
           size_t{slot % kRowsPerBlock} * stride_;
  }
  const float* At(uint32_t slot) const {
    return blocks_[slot / kRowsPerBlock].data() +
           size_t{slot % kRowsPerBlock} * stride_;
  }

  std::vector<uint32_t> slot_;
  std::vector<NodeIndex> rows_;
  std::vector<AlignedFloats> blocks_;
  uint32_t stride_;
};

struct Shard {
  Shard(const TrainContext& ctx, uint32_t epochs)
      : input(ctx.num_nodes, ctx.stride),
        output(ctx.num_nodes, ctx.stride),
        buf(ctx),
        loss(epochs) {}
  RowCopies input, output;
  WalkBuffers buf;
  std::vector<LossSum> loss;
  uint64_t trained = 0;
  bool cancelled = false;
  // The walk whose kept nodes are in buf.kept (shards resume mid-walk).
  uint64_t prepared_walk = ~uint64_t{0};
  uint32_t prepared_kept = 0;
  LossSum pending;  // loss since the last progress report
};

struct ShardRows {
  const TrainContext& ctx;
  Shard& shard;
  float* Input(NodeIndex v) { return shard.input.Get(v, ctx.syn0); }
  float* Output(NodeIndex v) { return shard.output.Get(v, ctx.syn1); }
};

// Merges the shards' copies of one matrix (picked by `copies_of`) into
// `shared`. Shard s merges the rows it touched that no lower-numbered shard
// touched, so every row is merged exactly once and shards run in parallel.
// A row touched by one shard becomes that shard's copy; otherwise
// row = base + (copy_a - base) + (copy_b - base) + ..., in shard order.
template <typename CopiesOf>
void MergeRows(const std::vector<std::unique_ptr<Shard>>& shards,
               CopiesOf copies_of, float* shared, uint32_t stride) {
  tbb::parallel_for(size_t{0}, shards.size(), [&](size_t s) {
    const float* copies[kDeterministicShards];
    AlignedFloats base(stride);
    for (NodeIndex v : copies_of(*shards[s]).rows()) {
      bool owned = true;
      for (size_t t = 0; t < s && owned; ++t) {
        owned = copies_of(*shards[t]).Find(v) == nullptr;
      }
      if (!owned) continue;
      uint32_t m = 0;
      for (size_t t = s; t < shards.size(); ++t) {
        if (const float* copy = copies_of(*shards[t]).Find(v)) copies[m++] = copy;
      }
      float* __restrict row = shared + size_t{v} * stride;
      if (m == 1) {
        std::memcpy(row, copies[0], stride * sizeof(float));
        continue;
      }
      float* __restrict b = base.data();
      std::memcpy(b, row, stride * sizeof(float));
      for (uint32_t c = 0; c < m; ++c) {
        const float* __restrict copy = copies[c];
        for (uint32_t i = 0; i < stride; ++i) row[i] += copy[i] - b[i];
      }
    }
  });
}

}  // namespace

uint64_t PositionsPerShard(uint32_t num_nodes, uint32_t walk_length) {
  return std::clamp<uint64_t>(num_nodes / 64, 1,
                              uint64_t{kWalksPerShard} * walk_length);
}

absl::StatusOr<TrainOutcome> TrainDeterministic(
    const TrainContext& ctx, ProgressReporter& progress) {
  progress.StartPhase(EmbedPhase::kTraining, ctx.total_walks);
  const uint32_t epochs = ctx.options->epochs;
  std::vector<std::unique_ptr<Shard>> shards;
  for (uint32_t s = 0; s < kDeterministicShards; ++s) {
    shards.push_back(std::make_unique<Shard>(ctx, epochs));
  }
  const uint64_t length = ctx.options->walk.walk_length;
  const uint64_t per_shard = PositionsPerShard(ctx.num_nodes, length);
  const uint64_t total_positions = ctx.total_walks * length;
  const uint64_t step_positions = uint64_t{kDeterministicShards} * per_shard;
  for (uint64_t step = 0; step < total_positions; step += step_positions) {
    tbb::parallel_for(0u, kDeterministicShards, [&](uint32_t s) {
      Shard& shard = *shards[s];
      ShardRows rows{ctx, shard};
      const uint64_t begin = std::min(step + s * per_shard, total_positions);
      const uint64_t end = std::min(begin + per_shard, total_positions);
      for (uint64_t position = begin; position < end;) {
        const uint64_t walk = position / length;
        if (shard.prepared_walk != walk) {
          if (ctx.cancelled()) {
            shard.cancelled = true;
            return;
          }
          shard.prepared_kept = PrepareWalk(ctx, walk, shard.buf);
          shard.prepared_walk = walk;
        }
        const uint64_t stop = std::min(length, end - walk * length);
        LossSum& epoch_loss = shard.loss[walk / ctx.walks_per_epoch];
        for (uint64_t i = position - walk * length;
             i < stop && i < shard.prepared_kept; ++i) {
          LossSum loss;
          TrainCenter(ctx, walk, static_cast<uint32_t>(i), shard.prepared_kept,
                      shard.buf, rows, loss);
          epoch_loss.Add(loss);
          shard.pending.Add(loss);
        }
        if (stop == length) {  // this shard finished the walk
          shard.trained += shard.prepared_kept;
          progress.Add(1, shard.prepared_kept, shard.pending);
          shard.pending = LossSum{};
        }
        position = walk * length + stop;
      }
    });
    for (const auto& shard : shards) {
      if (shard->cancelled) return absl::CancelledError("embedding cancelled");
    }
    MergeRows(shards, [](const Shard& s) -> const RowCopies& { return s.input; },
              ctx.syn0, ctx.stride);
    MergeRows(shards, [](const Shard& s) -> const RowCopies& { return s.output; },
              ctx.syn1, ctx.stride);
    tbb::parallel_for(0u, kDeterministicShards, [&](uint32_t s) {
      shards[s]->input.Clear();
      shards[s]->output.Clear();
    });
  }
  TrainOutcome outcome;
  std::vector<LossSum>& total = outcome.loss_per_epoch;
  total.resize(epochs);
  for (const auto& shard : shards) {
    outcome.trained_nodes += shard->trained;
    for (uint32_t e = 0; e < epochs; ++e) total[e].Add(shard->loss[e]);
  }
  return outcome;
}

}  // namespace n2v::internal
