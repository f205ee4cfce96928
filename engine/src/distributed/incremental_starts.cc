// PlanStartsOverRanks and PreviousAsOwnResult.
#include "distributed/incremental_starts.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// This rank's own nodes that changed or have no previous vector, by id.
std::vector<int64_t> OwnChangedOrNew(const PartitionedGraph& graph,
                                     const std::vector<int64_t>& changed,
                                     const Embeddings& vectors) {
  const absl::flat_hash_set<int64_t> changed_ids(changed.begin(), changed.end());
  std::vector<int64_t> starts;
  for (NodeIndex v : graph.owned()) {
    const int64_t id = graph.local().original_id(v);
    const bool has_vector = vectors.size() > 0 && vectors.Find(id).has_value();
    if (changed_ids.contains(id) || !has_vector) starts.push_back(id);
  }
  return starts;
}

// Collective: every rank's `mine`, on every rank, ascending.
absl::StatusOr<std::vector<int64_t>> GatherIds(const Communicator& comm,
                                               const std::vector<int64_t>& mine) {
  std::string all;
  std::vector<size_t> offsets;
  N2V_RETURN_IF_ERROR(comm.AllGather(
      std::string_view(reinterpret_cast<const char*>(mine.data()),
                       mine.size() * sizeof(int64_t)),
      &all, &offsets));
  std::vector<int64_t> ids = ReadPods<int64_t>(all);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

absl::StatusOr<StartPlan> PlanStartsOverRanks(const Communicator& comm,
                                              const PartitionedGraph& graph,
                                              const ReembedOptions& reembed, bool warm,
                                              const std::vector<int64_t>* changed,
                                              const Embeddings& vectors,
                                              bool context_known) {
  StartPlan plan;
  std::vector<uint64_t> unknown = {changed == nullptr ? 1u : 0u};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(unknown)));
  if (!reembed.incremental || !warm || unknown[0] != 0) return plan;
  N2V_ASSIGN_OR_RETURN(plan.starts,
                       GatherIds(comm, OwnChangedOrNew(graph, *changed, vectors)));
  const bool few = static_cast<double>(plan.starts.size()) <=
                   reembed.max_changed_fraction * graph.stats().num_nodes;
  plan.incremental = few && (!plan.starts.empty() || context_known);
  if (!plan.incremental) plan.starts.clear();
  return plan;
}

absl::StatusOr<DistributedEmbedResult> PreviousAsOwnResult(const Communicator& comm,
                                                           const PartitionedGraph& graph,
                                                           const Embeddings& vectors,
                                                           const Embeddings& context,
                                                           uint32_t dimensions) {
  std::vector<int64_t> ids;
  for (NodeIndex v : graph.owned()) ids.push_back(graph.local().original_id(v));
  N2V_ASSIGN_OR_RETURN(NodeIdIndex index, NodeIdIndex::Create(std::move(ids)));
  const auto shared = std::make_shared<const NodeIdIndex>(std::move(index));
  DistributedEmbedResult same;
  same.embeddings = Embeddings(shared, dimensions);
  same.context = Embeddings(shared, dimensions);
  for (size_t r = 0; r < same.embeddings.size(); ++r) {
    const int64_t id = same.embeddings.id(r);
    // Nothing to walk: every own node has a previous vector.
    std::copy_n(vectors.row(*vectors.Find(id)).data(), dimensions,
                same.embeddings.mutable_row(r).data());
    if (const auto c = context.size() > 0 ? context.Find(id) : std::nullopt) {
      std::copy_n(context.row(*c).data(), dimensions, same.context.mutable_row(r).data());
    }
  }
  std::vector<uint64_t> copied = {same.embeddings.size()};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(copied)));
  same.stats.warm_started_nodes = copied[0];
  return same;
}

}  // namespace n2v::distributed
