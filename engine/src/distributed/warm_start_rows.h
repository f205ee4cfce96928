// Warm starts in a distributed run: the input rows of a rank's own nodes
// from a previous run's vectors, by the rule of internal/initial_rows.h
// (copied where the node has one; otherwise the mean of its neighbours'
// previous vectors, in or out, ignoring direction), with the neighbours'
// vectors fetched from the ranks that own them.
#ifndef N2V_DISTRIBUTED_WARM_START_ROWS_H_
#define N2V_DISTRIBUTED_WARM_START_ROWS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "internal/initial_rows.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/embeddings.h"

namespace n2v::distributed {

// Collective. `previous` holds this rank's share of the previous vectors
// (at least its own nodes' rows; others are ignored) and `rows` its own
// input rows (row k is graph.owned()[k]), random on entry. Copies the
// previous rows in, then seeds each own node without one that has a
// neighbour with one. Sums are kept in double and added in an order fixed
// by the rank count, so a run at a given rank count repeats bit for bit.
// Returns the counts over every rank. InvalidArgument when the dimensions
// differ (on the rank whose share differs; AgreeOnStatus spreads it).
absl::StatusOr<internal::WarmStartCounts> WarmStartOwnRows(
    const Communicator& comm, const PartitionedGraph& graph,
    const Embeddings& previous, Embeddings& rows);

// Copies the previous rows of own nodes into `rows` (row k is
// graph.owned()[k], `stride` floats apart), leaving the others; returns
// how many it copied on this rank.
uint64_t CopyOwnRows(const PartitionedGraph& graph, const Embeddings& previous,
                     float* rows, uint32_t stride);

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_WARM_START_ROWS_H_
