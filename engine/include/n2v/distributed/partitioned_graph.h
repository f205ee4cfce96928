// PartitionedGraph: one rank's part of a graph split across the ranks of a
// distributed run.
//
// Every node belongs to one rank, chosen by a hash of its id (OwnerOf), so
// any rank can tell where a node lives without asking, and the hubs of
// power-law graphs scatter. A rank holds a CsrGraph of its own nodes with
// all their out-arcs, in which their neighbours on other ranks appear as
// nodes without arcs ("stubs"): neighbour lists then have the order (by
// node id) and the merged weights of the whole graph's, so walks step
// exactly as they do on one machine.
//
// Loading reads this rank's share of the input (a line-aligned byte range
// of the edge file, or its own file when the path holds "{rank}"), sends
// every arc to the rank owning its source, and builds.
#ifndef N2V_DISTRIBUTED_PARTITIONED_GRAPH_H_
#define N2V_DISTRIBUTED_PARTITIONED_GRAPH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"
#include "n2v/graph.h"

namespace n2v::distributed {

// The rank that owns node `id` among `ranks`.
int OwnerOf(int64_t id, int ranks);

struct GraphSource {
  // Edge list file ("u v [weight]" lines, as the CLI reads them); with
  // "{rank}" in it, each rank reads its own whole file (gzip allowed).
  std::string edges;
  // Optional node list file, shared the same way.
  std::string nodes;
  bool weighted = false;
  bool directed = false;
};

// The whole graph's size and this rank's part of it.
struct PartitionStats {
  uint64_t num_nodes = 0;        // all ranks
  uint64_t num_edges = 0;        // all ranks, as CsrGraph counts them
  uint64_t num_arcs = 0;         // all ranks
  uint64_t owned_nodes = 0;      // this rank
  uint64_t owned_arcs = 0;       // this rank
  uint64_t stub_nodes = 0;       // this rank: neighbours owned elsewhere
  uint64_t memory_bytes = 0;     // this rank's CSR and id index
  uint64_t max_memory_bytes = 0; // the largest rank's
};

class PartitionedGraph {
 public:
  // Collective: every rank calls it. Errors name the file and line of a bad
  // record (on the rank that read it; the others get a message naming that
  // rank), or say the graph is empty.
  static absl::StatusOr<PartitionedGraph> Load(const Communicator& comm,
                                               const GraphSource& source,
                                               int num_threads);
  // Collective: builds from the edges each rank already holds (any split;
  // `weighted` the same on every rank).
  static absl::StatusOr<PartitionedGraph> Build(const Communicator& comm,
                                                EdgeList share, bool directed,
                                                bool weighted, int num_threads);

  // Collective: rank `root` holds the whole graph (`whole`, null elsewhere)
  // and sends each rank its part, a bounded number of arcs at a time (how
  // a sidecar under mpirun spreads an uploaded graph).
  static absl::StatusOr<PartitionedGraph> FromWhole(const Communicator& comm,
                                                    const CsrGraph* whole, int root,
                                                    int num_threads);

  PartitionedGraph(PartitionedGraph&&) = default;
  PartitionedGraph& operator=(PartitionedGraph&&) = default;

  // This rank's nodes with their arcs, and their stub neighbours.
  const CsrGraph& local() const { return local_; }
  bool owns(NodeIndex v) const { return owned_flags_[v] != 0; }
  // Local indices of this rank's own nodes, in ascending id order: row k
  // of this rank's part of a model is owned()[k].
  const std::vector<NodeIndex>& owned() const { return owned_; }
  // The row of own node v (its place in owned()).
  uint32_t row_of(NodeIndex v) const { return row_of_[v]; }
  // Asks the cache for what owns(v), row_of(v) and local().original_id(v)
  // read, and for v's offsets, for callers that overlap several walks.
  void PrefetchNode(NodeIndex v) const {
    __builtin_prefetch(owned_flags_.data() + v);
    __builtin_prefetch(row_of_.data() + v);
    __builtin_prefetch(local_.ids().ids().data() + v);
    local_.PrefetchNode(v);
  }
  int owner(int64_t id) const { return OwnerOf(id, ranks_); }
  int ranks() const { return ranks_; }
  bool directed() const { return local_.directed(); }
  bool weighted() const { return weighted_; }
  const PartitionStats& stats() const { return stats_; }

 private:
  PartitionedGraph(CsrGraph local, int rank, int ranks, bool weighted);
  // Builds this rank's part from the arcs it owns (both ways when
  // undirected) and sums the stats.
  static absl::StatusOr<PartitionedGraph> Assemble(const Communicator& comm,
                                                   EdgeList mine, bool directed,
                                                   bool weighted, int num_threads);

  CsrGraph local_;
  int ranks_ = 1;
  bool weighted_ = false;
  std::vector<uint8_t> owned_flags_;
  std::vector<NodeIndex> owned_;
  std::vector<uint32_t> row_of_;  // by local index; own nodes only
  PartitionStats stats_;
};

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_PARTITIONED_GRAPH_H_
