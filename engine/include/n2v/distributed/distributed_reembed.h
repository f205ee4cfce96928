// ReembedDistributed: re-embedding (n2v/reembed.h, the one home of its
// rules) for a graph and a model split across the ranks of an MPI job.
//
// The same rules as Reembed: a warm start trains from the previous input
// and context vectors at the warm learning rates unless the caller chose
// some, nodes the previous run did not have start from their neighbours'
// mean, the context vectors are kept, an incremental run walks only from
// the changed and new nodes (or, when nothing changed, answers with the
// previous vectors), and the result is rotated onto the previous vectors
// (or align_to) with its drift measured. What differs is
// where the rows are: each rank holds its share of the previous vectors
// and of the result, so the rotation's d x d cross-covariance is summed
// over the ranks and the drift's mean, p95 and max are computed over every
// rank's nodes without gathering them.
#ifndef N2V_DISTRIBUTED_DISTRIBUTED_REEMBED_H_
#define N2V_DISTRIBUTED_DISTRIBUTED_REEMBED_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/distributed_embed.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/reembed.h"

namespace n2v::distributed {

// A previous run's vectors, each rank's share: at least the rows of the
// nodes it owns (OwnerOf); rows of other ids are not used. Null or empty
// on every rank means not known.
struct DistributedPrevious {
  const Embeddings* vectors = nullptr;
  const Embeddings* context = nullptr;
  const Embeddings* align_to = nullptr;  // what to rotate onto; null: vectors
  // Ids of nodes whose edges changed (at least this rank's own); null when
  // unknown. As in Reembed, the drift then covers only the others.
  const std::vector<int64_t>* changed_nodes = nullptr;
};

// Shares a rank holds itself (read from files, or spread from a leader),
// and the pointers ReembedDistributed takes to them.
struct HeldPrevious {
  std::optional<Embeddings> vectors, context, align_to;
  std::optional<std::vector<int64_t>> changed_nodes;
  DistributedPrevious pointers() const;
};

struct DistributedReembedResult {
  DistributedEmbedResult embed;  // embed.context holds the context rows when kept
  ReembedReport report;          // over every rank
};

// Collective. Incremental runs need `changed_nodes` on every rank (else
// they walk the whole graph, as Reembed does without them). Errors: as
// EmbedDistributed's and ValidateReembed's (the first failing rank's, on
// every rank).
absl::StatusOr<DistributedReembedResult> ReembedDistributed(
    const Communicator& comm, const PartitionedGraph& graph,
    const DistributedEmbedOptions& options, const ReembedOptions& reembed,
    const DistributedPrevious& previous, const OptionNames& names = {});

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_DISTRIBUTED_REEMBED_H_
