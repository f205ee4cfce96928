// Embed: validation, the counting pass, noise and subsampling tables,
// initial vectors, the training scheduler and the isolated-node policy.
#include "n2v/embed.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "absl/strings/str_cat.h"
#include "internal/string_view_compat.h"
#include "internal/parallel.h"
#include "internal/trainers.h"
#include "n2v/status_macros.h"

namespace n2v {
namespace {

using internal::LossSum;
using internal::TrainContext;

constexpr uint32_t kMaxDimensions = 1u << 16;
// Bounds that keep the per-thread window block small.
constexpr uint32_t kMaxWindow = 1000;
constexpr uint32_t kMaxNegatives = 1000;

template <typename Number>
absl::Status OutOfRange(std::string_view field, std::string_view rule,
                        Number value) {
  return absl::InvalidArgumentError(
      absl::StrCat(internal::Sv(field), " must be ", internal::Sv(rule),
                   ", got ", value));
}

// False when training diverged (a learning rate far too high).
bool AllFinite(const Embeddings& embeddings) {
  for (size_t r = 0; r < embeddings.size(); ++r) {
    for (float v : embeddings.row(r)) {
      if (!std::isfinite(v)) return false;
    }
  }
  return true;
}

// word2vec's initialisation: uniform in [-0.5/d, 0.5/d), one stream per row.
void InitializeInputRows(Embeddings& embeddings, uint64_t seed) {
  const uint32_t d = embeddings.dimensions();
  tbb::parallel_for(tbb::blocked_range<size_t>(0, embeddings.size(), 1024),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t v = r.begin(); v < r.end(); ++v) {
                        Rng rng(DeriveSeed(seed, internal::kInitStream, v));
                        auto row = embeddings.mutable_row(v);
                        for (uint32_t i = 0; i < d; ++i) {
                          row[i] = (rng.UniformFloat() - 0.5f) / d;
                        }
                      }
                    });
}

// word2vec's keep probability for a node seen `count` times of `total`.
std::vector<float> KeepProbabilities(const std::vector<uint64_t>& counts,
                                     uint64_t total, double sample) {
  std::vector<float> keep(counts.size(), 1.0f);
  const double threshold = sample * static_cast<double>(total);
  for (size_t v = 0; v < counts.size(); ++v) {
    if (counts[v] == 0) continue;
    const double c = static_cast<double>(counts[v]);
    keep[v] = static_cast<float>((std::sqrt(c / threshold) + 1) * threshold / c);
  }
  return keep;
}

// Copies initial vectors into the rows of the nodes that have one and seeds
// the others from the mean of their neighbours' initial vectors (in or
// out, ignoring direction). Returns {warm, neighbour-seeded} counts.
absl::StatusOr<std::pair<uint64_t, uint64_t>> WarmStart(
    const CsrGraph& graph, const Embeddings& initial, Embeddings& rows) {
  if (initial.dimensions() != rows.dimensions()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "initial vectors have ", initial.dimensions(),
        " dimensions but dimensions is ", rows.dimensions()));
  }
  const uint32_t n = graph.num_nodes();
  const uint32_t d = rows.dimensions();
  std::vector<uint32_t> source(n, kNoNode);  // row in `initial`
  uint64_t warm = 0;
  for (NodeIndex v = 0; v < n; ++v) {
    if (auto r = initial.Find(graph.original_id(v))) {
      source[v] = *r;
      std::copy_n(initial.row(*r).data(), d, rows.mutable_row(v).data());
      ++warm;
    }
  }
  // Neighbour means for the rest: accumulate over arcs in both directions.
  std::vector<double> sums;
  std::vector<uint32_t> counts;
  uint64_t seeded = 0;
  if (warm < n) {
    sums.assign(size_t{n} * d, 0.0);
    counts.assign(n, 0);
    for (NodeIndex v = 0; v < n; ++v) {
      for (NodeIndex x : graph.out_neighbors(v)) {
        if (source[v] == kNoNode && source[x] != kNoNode) {
          const auto row = initial.row(source[x]);
          for (uint32_t i = 0; i < d; ++i) sums[size_t{v} * d + i] += row[i];
          ++counts[v];
        }
        if (source[x] == kNoNode && source[v] != kNoNode && x != v) {
          const auto row = initial.row(source[v]);
          for (uint32_t i = 0; i < d; ++i) sums[size_t{x} * d + i] += row[i];
          ++counts[x];
        }
      }
    }
    for (NodeIndex v = 0; v < n; ++v) {
      if (source[v] != kNoNode || counts[v] == 0) continue;
      auto row = rows.mutable_row(v);
      for (uint32_t i = 0; i < d; ++i) {
        row[i] = static_cast<float>(sums[size_t{v} * d + i] / counts[v]);
      }
      ++seeded;
    }
  }
  return std::make_pair(warm, seeded);
}

// Dense indices of the walk_from ids; InvalidArgument naming an unknown one.
absl::StatusOr<std::vector<NodeIndex>> StartNodes(const CsrGraph& graph,
                                                  const std::vector<int64_t>& ids) {
  std::vector<NodeIndex> starts;
  starts.reserve(ids.size());
  for (int64_t id : ids) {
    auto v = graph.ids().Find(id);
    if (!v) {
      return absl::InvalidArgumentError(
          absl::StrCat("walk_from: node id ", id, " is not in the graph"));
    }
    starts.push_back(*v);
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  return starts;
}

// Nodes with no arc in either direction.
std::vector<NodeIndex> IsolatedNodes(const CsrGraph& graph) {
  std::vector<uint8_t> touched(graph.num_nodes(), 0);
  for (NodeIndex v = 0; v < graph.num_nodes(); ++v) {
    if (graph.out_degree(v) == 0) continue;
    touched[v] = 1;
    for (NodeIndex x : graph.out_neighbors(v)) touched[x] = 1;
  }
  std::vector<NodeIndex> isolated;
  for (NodeIndex v = 0; v < graph.num_nodes(); ++v) {
    if (!touched[v]) isolated.push_back(v);
  }
  return isolated;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

}  // namespace

std::string_view EmbedPhaseName(EmbedPhase phase) {
  switch (phase) {
    case EmbedPhase::kCounting:
      return "counting";
    case EmbedPhase::kTraining:
      return "training";
    case EmbedPhase::kDone:
      return "done";
  }
  return "unknown";
}

absl::Status ValidateEmbedOptions(const EmbedOptions& o) {
  N2V_RETURN_IF_ERROR(ValidateWalkParams(o.walk));
  if (o.walks_per_node == 0) return OutOfRange("walks_per_node", ">= 1", 0u);
  if (o.dimensions == 0 || o.dimensions > kMaxDimensions) {
    return OutOfRange("dimensions", absl::StrCat("between 1 and ", kMaxDimensions),
                      o.dimensions);
  }
  if (o.window == 0 || o.window > kMaxWindow) {
    return OutOfRange("window", absl::StrCat("between 1 and ", kMaxWindow),
                      o.window);
  }
  if (o.negatives == 0 || o.negatives > kMaxNegatives) {
    return OutOfRange("negatives", absl::StrCat("between 1 and ", kMaxNegatives),
                      o.negatives);
  }
  if (o.epochs == 0) return OutOfRange("epochs", ">= 1", 0u);
  if (!(std::isfinite(o.initial_learning_rate) && o.initial_learning_rate > 0)) {
    return OutOfRange("initial_learning_rate", "finite and > 0",
                      o.initial_learning_rate);
  }
  if (!(std::isfinite(o.min_learning_rate) && o.min_learning_rate >= 0 &&
        o.min_learning_rate <= o.initial_learning_rate)) {
    return OutOfRange("min_learning_rate",
                      absl::StrCat("between 0 and initial_learning_rate (",
                                   o.initial_learning_rate, ")"),
                      o.min_learning_rate);
  }
  if (!(std::isfinite(o.subsample) && o.subsample >= 0)) {
    return OutOfRange("subsample", "finite and >= 0", o.subsample);
  }
  if (!std::isfinite(o.negative_exponent)) {
    return OutOfRange("negative_exponent", "finite", o.negative_exponent);
  }
  if (o.num_threads < 0) return OutOfRange("num_threads", ">= 0", o.num_threads);
  return absl::OkStatus();
}

EmbedMemory EstimateEmbedMemory(uint64_t num_nodes, uint64_t num_arcs,
                                bool weighted, const EmbedOptions& options) {
  const uint64_t stride = PaddedDimension(options.dimensions);
  const uint64_t row_bytes = stride * sizeof(float);
  const uint64_t threads = internal::ResolveThreads(options.num_threads);
  EmbedMemory m;
  m.result = num_nodes * row_bytes;
  const uint64_t matrices = 2 * num_nodes * row_bytes;
  // Counts, noise weights (transient), alias table, keep probabilities.
  const uint64_t tables = num_nodes * (8 + 8 + 8 + 4);
  const uint64_t sampler =
      weighted ? num_arcs * (sizeof(float) + sizeof(uint32_t)) + num_nodes * 8
               : 0;
  const uint64_t window = 2ull * options.window;
  const uint64_t outputs = 1ull + options.negatives;
  const uint64_t per_thread =
      2ull * options.walk.walk_length * sizeof(NodeIndex) +
      ((window + outputs) * stride + window * outputs) * sizeof(float);
  uint64_t shards = 0;
  if (options.deterministic) {
    // Slot arrays per shard and matrix, and the copied rows: at most the
    // rows a shard's walks can touch.
    const uint64_t walk_nodes =
        uint64_t{internal::kWalksPerShard} * options.walk.walk_length;
    const uint64_t touched = std::min<uint64_t>(
        2 * num_nodes, walk_nodes * (2 + options.negatives));
    shards = internal::kDeterministicShards *
             (2 * num_nodes * sizeof(uint32_t) + touched * row_bytes +
              2 * 1024 * row_bytes + per_thread);
  }
  m.peak = matrices + tables + sampler + threads * per_thread + shards;
  return m;
}

absl::StatusOr<EmbedResult> Embed(const CsrGraph& graph,
                                  const EmbedOptions& options,
                                  const EmbedControl& control) {
  N2V_RETURN_IF_ERROR(ValidateEmbedOptions(options));
  if (graph.num_nodes() == 0) {
    return absl::InvalidArgumentError("graph is empty: it has no nodes");
  }
  return internal::RunInArena(options.num_threads, [&]()
                                  -> absl::StatusOr<EmbedResult> {
    N2V_ASSIGN_OR_RETURN(Node2VecWalker walker,
                         Node2VecWalker::Create(graph, options.walk));
    const uint32_t n = graph.num_nodes();
    TrainContext ctx;
    ctx.options = &options;
    ctx.walker = &walker;
    if (!options.walk_from.empty()) {
      N2V_ASSIGN_OR_RETURN(ctx.starts, StartNodes(graph, options.walk_from));
    }
    const uint32_t start_count =
        ctx.starts.empty() ? n : static_cast<uint32_t>(ctx.starts.size());
    ctx.order = internal::WalkOrder(start_count, options.seed);
    ctx.num_nodes = n;
    ctx.walks_per_epoch = uint64_t{start_count} * options.walks_per_node;
    ctx.total_walks = ctx.walks_per_epoch * options.epochs;
    ctx.stride = PaddedDimension(options.dimensions);
    ctx.cancel = control.cancel;
    internal::ProgressReporter progress(control, options.epochs,
                                        ctx.walks_per_epoch);

    EmbedResult result;
    EmbedStats& stats = result.stats;
    stats.walks = ctx.walks_per_epoch;

    auto started = std::chrono::steady_clock::now();
    std::vector<uint64_t> counts(n, 0);
    N2V_RETURN_IF_ERROR(internal::CountWalkOccurrences(ctx, counts, progress));
    uint64_t total = 0;
    std::vector<double> noise(n);
    for (NodeIndex v = 0; v < n; ++v) {
      total += counts[v];
      noise[v] = counts[v] == 0 ? 0.0
                                : std::pow(static_cast<double>(counts[v]),
                                           options.negative_exponent);
    }
    if (total == 0) {
      // Only possible with walk_from: give every node equal noise weight.
      std::fill(noise.begin(), noise.end(), 1.0);
    }
    stats.walk_nodes = total;
    ctx.negatives = internal::AliasTable(std::span<const double>(noise));
    std::vector<double>().swap(noise);
    if (options.subsample > 0) {
      ctx.keep_prob = KeepProbabilities(counts, total, options.subsample);
    }
    stats.count_seconds = Seconds(started);

    started = std::chrono::steady_clock::now();
    result.embeddings = Embeddings(graph.shared_ids(), options.dimensions);
    InitializeInputRows(result.embeddings, options.seed);
    if (options.initial != nullptr) {
      N2V_ASSIGN_OR_RETURN(auto started,
                           WarmStart(graph, *options.initial, result.embeddings));
      stats.warm_started_nodes = started.first;
      stats.neighbour_started_nodes = started.second;
    }
    AlignedFloats output_rows(size_t{n} * ctx.stride);
    ctx.syn0 = result.embeddings.mutable_data();
    ctx.syn1 = output_rows.data();
    if (options.initial_context != nullptr) {
      if (options.initial_context->dimensions() != options.dimensions) {
        return absl::InvalidArgumentError(absl::StrCat(
            "initial context vectors have ",
            options.initial_context->dimensions(), " dimensions but dimensions is ",
            options.dimensions));
      }
      for (NodeIndex v = 0; v < n; ++v) {
        if (auto r = options.initial_context->Find(graph.original_id(v))) {
          std::copy_n(options.initial_context->row(*r).data(), options.dimensions,
                      ctx.syn1 + size_t{v} * ctx.stride);
        }
      }
    }
    N2V_ASSIGN_OR_RETURN(internal::TrainOutcome outcome,
                         options.deterministic
                             ? internal::TrainDeterministic(ctx, progress)
                             : internal::TrainHogwild(ctx, progress));
    stats.train_seconds = Seconds(started);
    if (!AllFinite(result.embeddings)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "training diverged: the vectors contain NaN or infinite values; "
          "lower the initial learning rate (now ",
          options.initial_learning_rate, ")"));
    }

    for (const LossSum& loss : outcome.loss_per_epoch) {
      stats.loss_per_epoch.push_back(loss.pairs ? loss.sum / loss.pairs : 0.0);
    }
    stats.trained_nodes = outcome.trained_nodes;
    if (options.isolated_nodes == IsolatedNodePolicy::kZero) {
      for (NodeIndex v : IsolatedNodes(graph)) {
        auto row = result.embeddings.mutable_row(v);
        std::fill(row.begin(), row.end(), 0.0f);
      }
    }
    if (options.keep_context) {
      result.context = Embeddings(graph.shared_ids(), options.dimensions);
      std::copy_n(ctx.syn1, size_t{n} * ctx.stride, result.context.mutable_data());
    }
    stats.model_bytes = 2 * size_t{n} * ctx.stride * sizeof(float) +
                        ctx.negatives.MemoryBytes() +
                        ctx.keep_prob.capacity() * sizeof(float) +
                        counts.capacity() * sizeof(uint64_t) +
                        walker.MemoryBytes();
    progress.Finish(stats.loss_per_epoch.empty() ? 0
                                                 : stats.loss_per_epoch.back());
    return result;
  });
}

}  // namespace n2v
