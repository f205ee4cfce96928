// PlanJob: proto -> engine options, the engine's checks, the engine's
// memory model.
#include "job_plan.h"

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

}  // namespace n2v::sidecar
