// Reembed: warm start, incremental start set, the nothing-changed shortcut,
// alignment of both matrices and drift, as named steps.
#include "n2v/reembed.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "internal/option_rules.h"
#include "internal/string_view_compat.h"
#include "n2v/status_macros.h"

namespace n2v {
namespace {

using internal::Sv;

bool Known(const Embeddings* e) { return e != nullptr && e->size() > 0; }

const Embeddings* AlignTarget(const PreviousEmbedding& previous) {
  const Embeddings* target =
      previous.align_to != nullptr ? previous.align_to : previous.vectors;
  return Known(target) ? target : nullptr;
}

absl::Status SameDimensions(std::string_view field, const Embeddings& vectors,
                            const EmbedOptions& options,
                            const OptionNames& names) {
  if (vectors.dimensions() == options.dimensions) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      Sv(field), ": ", Sv(names.previous_vectors), " have ",
      vectors.dimensions(), " dimensions but ", Sv(names.dimensions), " is ",
      options.dimensions));
}

// Where an incremental run's walks start: the changed nodes and the nodes
// without a previous vector, ascending.
std::vector<int64_t> ChangedOrNew(const CsrGraph& graph,
                                  const PreviousEmbedding& previous) {
  std::vector<int64_t> starts = *previous.changed_nodes;
  absl::flat_hash_set<int64_t> seen(starts.begin(), starts.end());
  for (NodeIndex v = 0; v < graph.num_nodes(); ++v) {
    const int64_t id = graph.original_id(v);
    if (!previous.vectors->Find(id) && !seen.contains(id)) starts.push_back(id);
  }
  std::sort(starts.begin(), starts.end());
  return starts;
}

struct StartPlan {
  bool incremental = false;
  std::vector<int64_t> starts;  // empty and incremental: nothing to train
};

// Whether the run is incremental, and from which nodes. Nothing to walk is
// only an answer when the previous context vectors are known too (the next
// warm start needs them); otherwise the whole graph is walked.
StartPlan PlanStarts(const CsrGraph& graph, const ReembedOptions& reembed,
                     const PreviousEmbedding& previous, bool warm) {
  StartPlan plan;
  if (!reembed.incremental || !warm || previous.changed_nodes == nullptr) {
    return plan;
  }
  plan.starts = ChangedOrNew(graph, previous);
  const bool few = static_cast<double>(plan.starts.size()) <=
                   reembed.max_changed_fraction * graph.num_nodes();
  plan.incremental =
      few && (!plan.starts.empty() || Known(previous.context));
  if (!plan.incremental) plan.starts.clear();
  return plan;
}

// The previous vectors as the result (nothing changed, every node has both).
EmbedResult PreviousAsResult(const CsrGraph& graph, const EmbedOptions& options,
                             const PreviousEmbedding& previous) {
  EmbedResult same;
  same.embeddings = Embeddings(graph.shared_ids(), options.dimensions);
  same.context = Embeddings(graph.shared_ids(), options.dimensions);
  for (size_t r = 0; r < same.embeddings.size(); ++r) {
    const int64_t id = same.embeddings.id(r);
    std::copy_n(previous.vectors->row(*previous.vectors->Find(id)).data(),
                options.dimensions, same.embeddings.mutable_row(r).data());
    if (const auto c = previous.context->Find(id)) {
      std::copy_n(previous.context->row(*c).data(), options.dimensions,
                  same.context.mutable_row(r).data());
    }
  }
  same.stats.warm_started_nodes = same.embeddings.size();
  return same;
}

// Ids of the result's nodes that the previous vectors have and whose edges
// did not change; empty when what changed is unknown.
std::vector<int64_t> UnchangedIds(const Embeddings& result,
                                  const Embeddings& target,
                                  const PreviousEmbedding& previous) {
  std::vector<int64_t> unchanged;
  if (previous.changed_nodes == nullptr) return unchanged;
  absl::flat_hash_set<int64_t> changed(previous.changed_nodes->begin(),
                                       previous.changed_nodes->end());
  for (size_t r = 0; r < result.size(); ++r) {
    const int64_t id = result.id(r);
    if (!changed.contains(id) && target.Find(id)) unchanged.push_back(id);
  }
  return unchanged;
}

// Rotates both matrices onto the target and measures the drift. A result
// sharing no node with the target stays as it is.
void AlignOntoPrevious(const Embeddings& target,
                       const PreviousEmbedding& previous, EmbedResult& result,
                       ReembedReport& report) {
  absl::StatusOr<std::vector<double>> rotation =
      ProcrustesRotation(result.embeddings, target);
  if (!rotation.ok()) return;
  Rotate(result.embeddings, *rotation);
  if (result.context.size() > 0) Rotate(result.context, *rotation);
  const std::vector<int64_t> unchanged =
      UnchangedIds(result.embeddings, target, previous);
  absl::StatusOr<DriftStats> drift =
      MeasureDrift(result.embeddings, target, unchanged);
  if (!drift.ok()) return;
  report.aligned = true;
  report.drift = *drift;
  report.drift_measured_nodes =
      unchanged.empty() ? drift->shared_nodes : unchanged.size();
}

}  // namespace

EmbedOptions ResolveReembedOptions(const EmbedOptions& options,
                                   const ReembedOptions& reembed,
                                   const PreviousEmbedding& previous) {
  return ResolveReembedOptions(
      options, reembed, previous,
      {.vectors = Known(previous.vectors), .context = Known(previous.context)});
}

EmbedOptions ResolveReembedOptions(const EmbedOptions& options,
                                   const ReembedOptions& reembed,
                                   const PreviousEmbedding& previous,
                                   PreviousKnown known) {
  EmbedOptions resolved = options;
  if (reembed.warm_start) resolved.keep_context = true;
  if (!reembed.warm_start || !known.vectors) return resolved;
  resolved.initial = previous.vectors;
  resolved.initial_context = known.context ? previous.context : nullptr;
  if (!reembed.learning_rate_chosen) {
    resolved.initial_learning_rate = kWarmLearningRate;
    if (!reembed.min_learning_rate_chosen) {
      resolved.min_learning_rate = kWarmMinLearningRate;
    }
  }
  return resolved;
}

absl::Status ValidateReembed(const EmbedOptions& options,
                             const ReembedOptions& reembed,
                             const PreviousEmbedding& previous,
                             const OptionNames& names) {
  if (reembed.incremental && !reembed.warm_start) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(names.incremental), " needs ", Sv(names.warm_start)));
  }
  if (!(reembed.max_changed_fraction > 0 && reembed.max_changed_fraction <= 1)) {
    return internal::OutOfRange(names.max_changed_fraction, "in (0, 1]",
                                reembed.max_changed_fraction);
  }
  if (reembed.warm_start && Known(previous.vectors)) {
    N2V_RETURN_IF_ERROR(
        SameDimensions(names.warm_start, *previous.vectors, options, names));
  }
  if (WillAlign(reembed) && AlignTarget(previous) != nullptr) {
    N2V_RETURN_IF_ERROR(
        SameDimensions(names.align, *AlignTarget(previous), options, names));
  }
  return ValidateEmbedOptions(ResolveReembedOptions(options, reembed, previous),
                              names);
}

absl::StatusOr<ReembedResult> Reembed(const CsrGraph& graph,
                                      const EmbedOptions& options,
                                      const ReembedOptions& reembed,
                                      const PreviousEmbedding& previous,
                                      const EmbedControl& control,
                                      const OptionNames& names) {
  N2V_RETURN_IF_ERROR(ValidateReembed(options, reembed, previous, names));
  EmbedOptions resolved = ResolveReembedOptions(options, reembed, previous);
  ReembedResult out;
  out.report.warm_started = resolved.initial != nullptr;
  StartPlan plan =
      PlanStarts(graph, reembed, previous, out.report.warm_started);
  out.report.incremental = plan.incremental;
  if (plan.incremental && plan.starts.empty()) {
    out.embed = PreviousAsResult(graph, resolved, previous);
  } else {
    if (plan.incremental) resolved.walk_from = std::move(plan.starts);
    out.report.walk_start_nodes = resolved.walk_from.empty()
                                      ? graph.num_nodes()
                                      : resolved.walk_from.size();
    N2V_ASSIGN_OR_RETURN(out.embed, Embed(graph, resolved, control, names));
  }
  if (WillAlign(reembed) && AlignTarget(previous) != nullptr) {
    AlignOntoPrevious(*AlignTarget(previous), previous, out.embed, out.report);
  }
  return out;
}

}  // namespace n2v
