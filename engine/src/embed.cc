// Embed: the pipeline of embed.h as named steps: plan the walks, count
// occurrences, build the noise and subsampling tables, set the initial rows,
// train, and finish the result.
#include "n2v/embed.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/divergence.h"
#include "internal/initial_rows.h"
#include "internal/parallel.h"
#include "internal/sampling_rules.h"
#include "internal/string_view_compat.h"
#include "internal/trainers.h"
#include "n2v/status_macros.h"

namespace n2v {
namespace {

using internal::LossSum;
using internal::ProgressReporter;
using internal::TrainContext;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Dense indices of the walk_from ids; InvalidArgument naming an unknown one.
absl::StatusOr<std::vector<NodeIndex>> StartNodes(
    const CsrGraph& graph, const std::vector<int64_t>& ids,
    std::string_view name) {
  std::vector<NodeIndex> starts;
  starts.reserve(ids.size());
  for (int64_t id : ids) {
    auto v = graph.ids().Find(id);
    if (!v) {
      return absl::InvalidArgumentError(
          absl::StrCat(internal::Sv(name), ": node id ", id,
                       " is not in the graph"));
    }
    starts.push_back(*v);
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  return starts;
}

// Which walks an epoch has and where they start.
absl::Status PlanWalks(const CsrGraph& graph, const EmbedOptions& options,
                       const EmbedControl& control, const OptionNames& names,
                       TrainContext& ctx) {
  ctx.options = &options;
  if (!options.walk_from.empty()) {
    N2V_ASSIGN_OR_RETURN(ctx.starts,
                         StartNodes(graph, options.walk_from, names.walk_from));
  }
  const uint32_t n = graph.num_nodes();
  const uint32_t start_count =
      ctx.starts.empty() ? n : static_cast<uint32_t>(ctx.starts.size());
  ctx.order = internal::WalkOrder(start_count, options.seed);
  ctx.num_nodes = n;
  ctx.walks_per_epoch = uint64_t{start_count} * options.walks_per_node;
  ctx.total_walks = ctx.walks_per_epoch * options.epochs;
  ctx.stride = PaddedDimension(options.dimensions);
  ctx.cancel = control.cancel;
  return absl::OkStatus();
}

std::vector<float> KeepProbabilities(const std::vector<uint64_t>& counts,
                                     uint64_t total, double sample) {
  std::vector<float> keep(counts.size());
  for (size_t v = 0; v < counts.size(); ++v) {
    keep[v] = internal::KeepProbability(counts[v], total, sample);
  }
  return keep;
}

// The noise distribution (occurrences^exponent) and the subsampling keep
// probabilities, from the counting pass. Returns the walk nodes counted.
uint64_t BuildSamplingTables(const std::vector<uint64_t>& counts,
                             const EmbedOptions& options, TrainContext& ctx) {
  uint64_t total = 0;
  std::vector<double> noise(counts.size());
  for (size_t v = 0; v < counts.size(); ++v) {
    total += counts[v];
    noise[v] = internal::NoiseWeight(counts[v], options.negative_exponent);
  }
  if (total == 0) {
    // Only possible with walk_from: give every node equal noise weight.
    std::fill(noise.begin(), noise.end(), 1.0);
  }
  ctx.negatives = internal::AliasTable(std::span<const double>(noise));
  if (options.subsample > 0) {
    ctx.keep_prob = KeepProbabilities(counts, total, options.subsample);
  }
  return total;
}

// The input rows (random, then the warm start's) and the context rows (zero,
// then the warm start's), which training updates in place.
absl::Status InitializeModel(const CsrGraph& graph, const EmbedOptions& options,
                             TrainContext& ctx, EmbedResult& result) {
  result.embeddings = Embeddings(graph.shared_ids(), options.dimensions);
  result.context = Embeddings(graph.shared_ids(), options.dimensions);
  internal::InitializeInputRows(result.embeddings, options.seed,
                                options.initializer);
  if (options.initial != nullptr) {
    N2V_ASSIGN_OR_RETURN(
        internal::WarmStartCounts warm,
        internal::WarmStartRows(graph, *options.initial, "initial vectors",
                                result.embeddings));
    result.stats.warm_started_nodes = warm.copied;
    result.stats.neighbour_started_nodes = warm.seeded;
  }
  if (options.initial_context != nullptr) {
    N2V_RETURN_IF_ERROR(internal::CopyPreviousRows(
                            graph, *options.initial_context,
                            "initial context vectors", result.context)
                            .status());
  }
  ctx.syn0 = result.embeddings.mutable_data();
  ctx.syn1 = result.context.mutable_data();
  return absl::OkStatus();
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

void ApplyIsolatedPolicy(const CsrGraph& graph, const EmbedOptions& options,
                         Embeddings& embeddings) {
  if (options.isolated_nodes != IsolatedNodePolicy::kZero) return;
  for (NodeIndex v : IsolatedNodes(graph)) {
    auto row = embeddings.mutable_row(v);
    std::fill(row.begin(), row.end(), 0.0f);
  }
}

absl::StatusOr<EmbedResult> EmbedInArena(const CsrGraph& graph,
                                         const EmbedOptions& options,
                                         const EmbedControl& control,
                                         const OptionNames& names) {
  N2V_ASSIGN_OR_RETURN(Node2VecWalker walker,
                       Node2VecWalker::Create(graph, options.walk));
  TrainContext ctx;
  ctx.graph = &graph;
  ctx.walker = &walker;
  N2V_RETURN_IF_ERROR(PlanWalks(graph, options, control, names, ctx));
  ProgressReporter progress(control, options.epochs, ctx.walks_per_epoch);
  EmbedResult result;
  EmbedStats& stats = result.stats;
  stats.walks = ctx.walks_per_epoch;

  auto started = Clock::now();
  std::vector<uint64_t> counts(graph.num_nodes(), 0);
  N2V_RETURN_IF_ERROR(internal::CountWalkOccurrences(ctx, counts, progress));
  stats.walk_nodes = BuildSamplingTables(counts, options, ctx);
  stats.count_seconds = SecondsSince(started);

  started = Clock::now();
  N2V_RETURN_IF_ERROR(InitializeModel(graph, options, ctx, result));
  N2V_ASSIGN_OR_RETURN(internal::TrainOutcome outcome,
                       options.deterministic
                           ? internal::TrainDeterministic(ctx, progress)
                           : internal::TrainHogwild(ctx, progress));
  stats.train_seconds = SecondsSince(started);
  N2V_RETURN_IF_ERROR(internal::CheckNotDiverged(result.embeddings, options));

  for (const LossSum& loss : outcome.loss_per_epoch) {
    const double mean = loss.pairs ? loss.sum / loss.pairs : 0.0;
    stats.loss_per_epoch.push_back(mean);
    stats.loss_sum_per_epoch.push_back(mean * loss.trained_pairs);
  }
  stats.trained_nodes = outcome.trained_nodes;
  ApplyIsolatedPolicy(graph, options, result.embeddings);
  stats.model_bytes = 2 * size_t{graph.num_nodes()} * ctx.stride * sizeof(float) +
                      ctx.negatives.MemoryBytes() +
                      ctx.keep_prob.capacity() * sizeof(float) +
                      counts.capacity() * sizeof(uint64_t) +
                      walker.MemoryBytes();
  if (!options.keep_context) result.context = Embeddings();
  progress.Finish(stats.loss_per_epoch.empty() ? 0
                                               : stats.loss_per_epoch.back());
  return result;
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

absl::StatusOr<EmbedResult> Embed(const CsrGraph& graph,
                                  const EmbedOptions& options,
                                  const EmbedControl& control,
                                  const OptionNames& names) {
  N2V_RETURN_IF_ERROR(ValidateEmbedOptions(options, names));
  if (graph.num_nodes() == 0) {
    return absl::InvalidArgumentError("graph is empty: it has no nodes");
  }
  return internal::RunInArena(options.num_threads, [&] {
    return EmbedInArena(graph, options, control, names);
  });
}

}  // namespace n2v
