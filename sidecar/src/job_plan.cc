// PlanJob: proto -> engine options, the engine's checks, the engine's
// memory model.
#include "job_plan.h"

#include "absl/strings/str_cat.h"
#include "memory_budget.h"
#include "params.h"

namespace n2v::sidecar {

GraphShape ShapeOf(const GraphHolder& graph) {
  return {.nodes = graph.graph.num_nodes(),
          .arcs = graph.graph.num_arcs(),
          .weighted = graph.graph.weighted(),
          .previous_rows = graph.initial.size()};
}

PreviousEmbedding PreviousOf(const GraphHolder& graph) {
  return {.vectors = &graph.initial,
          .context = &graph.initial_context,
          .changed_nodes = graph.has_previous ? &graph.changed_nodes : nullptr};
}

absl::StatusOr<JobPlan> PlanJob(const v1::Node2VecParams& params,
                                const GraphShape& shape,
                                const PreviousEmbedding& previous,
                                uint32_t ranks, uint64_t walks_per_wave) {
  JobPlan plan;
  plan.options = ToEmbedOptions(params);
  plan.reembed = ToReembedOptions(params);
  if (absl::Status s =
          ValidateReembed(plan.options, plan.reembed, previous, ParamNames());
      !s.ok()) {
    return s;
  }
  plan.params = AsResolved(
      WithDefaults(params),
      ResolveReembedOptions(plan.options, plan.reembed, previous),
      plan.reembed);
  plan.memory = EstimateReembedMemory(shape.nodes, shape.arcs, shape.weighted,
                                      plan.options, plan.reembed,
                                      shape.previous_rows);
  if (ranks > 1) {
    plan.ranks = ranks;
    plan.memory_per_rank =
        EstimateRankBytes(shape.nodes, shape.arcs, shape.weighted, plan.options,
                          plan.reembed, shape.previous_rows, ranks, walks_per_wave);
  }
  return plan;
}

absl::Status FitsOtherRanks(const JobPlan& plan, uint64_t rank_memory_budget,
                            std::string_view what) {
  if (plan.ranks <= 1 || plan.memory_per_rank <= rank_memory_budget) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "memory budget exceeded: ", std::string(what), " needs ",
      HumanBytes(plan.memory_per_rank), " (", plan.memory_per_rank, " bytes) on each of its ",
      plan.ranks, " ranks, more than the ", HumanBytes(rank_memory_budget),
      " --memory-budget of the smallest other rank"));
}

}  // namespace n2v::sidecar
