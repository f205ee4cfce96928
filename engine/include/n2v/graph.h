// CsrGraph: the immutable compressed-sparse-row graph that walks run on.
//
// Built from an edge list with arbitrary 64-bit node ids plus an optional
// node list (so isolated nodes exist). Internally nodes get dense 32-bit ids
// in ascending order of their original id; each node's out-neighbours are
// sorted by dense id, which makes "is x a neighbour of t" a binary search.
//
// Edge semantics (docs/design.md#graph):
//  * Undirected graphs store each edge in both directions; a self-loop is
//    stored once, in its node's list, as the reference implementation does.
//  * Parallel edges merge. Weighted graphs sum their weights; unweighted
//    graphs keep a single edge of weight 1. In an undirected graph (u, v)
//    and (v, u) are the same edge.
//  * Weights must be finite and > 0; anything else is InvalidArgument naming
//    the edge.
//
// Thread safety: a built CsrGraph is immutable; all methods may be called
// concurrently.
#ifndef N2V_GRAPH_H_
#define N2V_GRAPH_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/node_id_index.h"

namespace n2v {

// Dense node id used inside the engine.
using NodeIndex = uint32_t;
inline constexpr NodeIndex kNoNode = 0xffffffffu;

// Input of a graph build, in the caller's ids. The three edge columns are
// parallel; `weights` is empty for an unweighted graph.
struct EdgeList {
  std::vector<int64_t> sources;
  std::vector<int64_t> targets;
  std::vector<float> weights;
  // Extra nodes, so that nodes without edges exist. May repeat ids that also
  // occur in edges.
  std::vector<int64_t> nodes;
};

struct GraphBuildOptions {
  // Directed graphs keep each edge one way; undirected store both.
  bool directed = false;
  // Worker threads for the build; 0 means all available cores.
  int num_threads = 0;
};

// What a build produced, for reports and memory accounting.
struct GraphStats {
  uint64_t num_nodes = 0;
  uint64_t input_edges = 0;       // rows of the edge list
  uint64_t num_edges = 0;         // distinct edges after merging
  uint64_t num_arcs = 0;          // adjacency entries (2 per undirected edge)
  uint64_t self_loops = 0;        // distinct self-loop edges
  uint64_t merged_duplicates = 0; // input rows merged into an earlier edge
  uint64_t isolated_nodes = 0;    // nodes with no edge in either direction
  uint64_t memory_bytes = 0;      // CSR arrays plus the id index
  double bytes_per_edge = 0;      // memory_bytes / num_edges
};

class CsrGraph {
 public:
  // Builds the graph, consuming `edges`. Errors (all InvalidArgument):
  // mismatched column lengths, a weight that is not finite and > 0 (naming
  // the edge's row and ids), weights merging to an infinite value, more than
  // 2^32 - 2 nodes.
  static absl::StatusOr<CsrGraph> Build(EdgeList edges,
                                        const GraphBuildOptions& options);

  CsrGraph(CsrGraph&&) = default;
  CsrGraph& operator=(CsrGraph&&) = default;

  NodeIndex num_nodes() const { return static_cast<NodeIndex>(ids_->size()); }
  uint64_t num_arcs() const { return targets_.size(); }
  bool directed() const { return directed_; }
  bool weighted() const { return !weights_.empty(); }

  uint32_t out_degree(NodeIndex v) const {
    return static_cast<uint32_t>(offsets_[v + 1] - offsets_[v]);
  }
  // Sorted out-neighbours of v.
  std::span<const NodeIndex> out_neighbors(NodeIndex v) const {
    return {targets_.data() + offsets_[v], out_degree(v)};
  }
  // Weights parallel to out_neighbors(v); empty when the graph is unweighted.
  std::span<const float> out_weights(NodeIndex v) const {
    if (weights_.empty()) return {};
    return {weights_.data() + offsets_[v], out_degree(v)};
  }
  // Offset of v's first arc in the arc arrays.
  uint64_t arc_begin(NodeIndex v) const { return offsets_[v]; }
  // Asks the cache for v's offsets (what out_degree and out_neighbors read
  // first), for callers that overlap several nodes' lookups.
  void PrefetchNode(NodeIndex v) const {
    __builtin_prefetch(offsets_.data() + v);
    __builtin_prefetch(offsets_.data() + v + 1);
  }

  // Sum of v's out-edge weights (its out-degree when unweighted).
  double out_weight_sum(NodeIndex v) const;

  // Weight of arc v -> x, or 0 when there is no such arc. O(log degree).
  float ArcWeight(NodeIndex v, NodeIndex x) const;
  bool HasArc(NodeIndex v, NodeIndex x) const;

  // Original id <-> dense index.
  const NodeIdIndex& ids() const { return *ids_; }
  std::shared_ptr<const NodeIdIndex> shared_ids() const { return ids_; }
  int64_t original_id(NodeIndex v) const { return ids_->id(v); }

  const GraphStats& stats() const { return stats_; }

 private:
  CsrGraph() = default;
  static absl::StatusOr<CsrGraph> BuildInArena(EdgeList edges,
                                               const GraphBuildOptions& options);
  GraphStats Describe(uint64_t input_edges, uint64_t self_loops,
                      uint64_t merged_self, uint64_t merged_other) const;

  bool directed_ = false;
  std::shared_ptr<const NodeIdIndex> ids_;
  std::vector<uint64_t> offsets_;  // num_nodes + 1
  std::vector<NodeIndex> targets_;
  std::vector<float> weights_;
  GraphStats stats_;
};

}  // namespace n2v

#endif  // N2V_GRAPH_H_
