// Incremental re-embedding across ranks: Reembed's start rule (walks start
// only from the changed nodes and the nodes without a previous vector, when
// those are few enough) decided over every rank, and the nothing-changed
// answer (the previous vectors themselves) from each rank's share.
#ifndef N2V_DISTRIBUTED_INCREMENTAL_STARTS_H_
#define N2V_DISTRIBUTED_INCREMENTAL_STARTS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/distributed_embed.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/reembed.h"

namespace n2v::distributed {

struct StartPlan {
  bool incremental = false;
  // Every rank's starts, ascending (the same list on every rank); empty
  // and incremental: nothing to train.
  std::vector<int64_t> starts;
};

// Collective. Incremental only when asked, warm, and what changed is known
// on every rank (`changed` is this rank's share, or null). `vectors` is
// this rank's share of the previous vectors; `context_known` whether any
// rank holds previous context vectors (nothing to walk is an answer only
// then, as the next warm start needs them).
absl::StatusOr<StartPlan> PlanStartsOverRanks(const Communicator& comm,
                                              const PartitionedGraph& graph,
                                              const ReembedOptions& reembed, bool warm,
                                              const std::vector<int64_t>* changed,
                                              const Embeddings& vectors,
                                              bool context_known);

// Collective: the previous vectors (and context vectors, zero where a node
// has none) of this rank's own nodes, as the result of a run that trained
// nothing.
absl::StatusOr<DistributedEmbedResult> PreviousAsOwnResult(const Communicator& comm,
                                                           const PartitionedGraph& graph,
                                                           const Embeddings& vectors,
                                                           const Embeddings& context,
                                                           uint32_t dimensions);

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_INCREMENTAL_STARTS_H_
