// Node2VecWalker: exact second-order biased random walks (Grover & Leskovec,
// KDD 2016, section 3.2.2).
//
// From the previous node t, now at v, the next node x is drawn among v's
// out-neighbours with probability proportional to alpha(t, x) * w(v, x),
// where alpha = 1/p if x == t, 1 if the arc t -> x exists, 1/q otherwise.
// The first step from the start node is first order. In a directed graph a
// node without out-edges ends the walk; a node without any edge yields the
// one-node walk [v].
//
// Why this is exact and cheap: we never build the sum-of-degree-squared
// second-order tables. Each step draws x from the first-order distribution
// w(v, x) / W(v) (an alias table per node, or a uniform index when
// unweighted) and accepts it with probability alpha(t, x) / c, where
// c = max(1, 1/q) bounds alpha for every x != t. When 1/p exceeds c, the
// excess mass of the return edge, w(v, t) * (1/p - c), is drawn directly as
// a separate "outlier" branch before proposing, so small p costs nothing
// extra. Rejection sampling against an envelope returns each x with
// probability exactly proportional to alpha(t, x) * w(v, x): there is no cap
// on the number of tries and no fallback. The expected number of proposals
// per step is at most max(1, 1/q) / min(1, 1/q), independent of degree; each
// proposal costs O(1) plus, only when alpha is ambiguous, one binary search
// in t's sorted adjacency (KnightKing, SOSP 2019, uses the same envelope
// idea). When p = q = 1 the walk is first order and skips the test entirely.
//
// Thread safety: a walker is immutable after Create; Walk and Step may run
// concurrently with distinct Rng objects.
#ifndef N2V_WALKER_H_
#define N2V_WALKER_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/graph.h"
#include "n2v/random.h"

namespace n2v {

// Longest walk accepted (walk buffers are per thread, 8 bytes a node).
inline constexpr uint32_t kMaxWalkLength = 1000000;

struct WalkParams {
  // Return parameter p (> 0): small p keeps walks local.
  double p = 1.0;
  // In-out parameter q (> 0): small q explores outward (DFS-like).
  double q = 1.0;
  // Nodes per walk, including the start node (>= 1).
  uint32_t walk_length = 80;
};

// InvalidArgument naming the field when p or q is not finite and > 0 or
// walk_length is outside 1..kMaxWalkLength.
absl::Status ValidateWalkParams(const WalkParams& params);

class Node2VecWalker {
 public:
  // Builds the first-order samplers for `graph`, which must outlive the
  // walker.
  static absl::StatusOr<Node2VecWalker> Create(const CsrGraph& graph,
                                               const WalkParams& params);

  // Writes the walk from `start` into `out` (which has room for
  // walk_length nodes) and returns its length, between 1 and walk_length.
  uint32_t Walk(NodeIndex start, Rng& rng, NodeIndex* out) const;

  // One step from v having arrived from t (kNoNode for the first step).
  // Returns the next node, or kNoNode when v has no out-neighbours.
  NodeIndex Step(NodeIndex t, NodeIndex v, Rng& rng) const;

  const WalkParams& params() const { return params_; }
  // Bytes of the sampling tables (alias tables and weight sums).
  size_t MemoryBytes() const;

 private:
  Node2VecWalker(const CsrGraph& graph, const WalkParams& params);

  // Index (into v's adjacency) of a first-order sample from v; deg(v) > 0.
  uint32_t SampleFirstOrder(NodeIndex v, Rng& rng) const;
  NodeIndex SecondOrderStep(NodeIndex t, NodeIndex v, float w_tv,
                            Rng& rng) const;

  const CsrGraph* graph_;
  WalkParams params_;
  bool first_order_ = false;   // p == q == 1
  double inv_p_ = 1, inv_q_ = 1;
  double envelope_ = 1;        // c = max(1, 1/q)
  double lower_ = 1;           // min(1, 1/q): accept without a test below it
  double return_excess_ = 0;   // max(0, 1/p - c)
  // Alias tables over each node's arcs, parallel to the CSR arrays (weighted
  // graphs only): keep arc i with probability alias_prob_[i], else take the
  // arc at local index alias_index_[i].
  std::vector<float> alias_prob_;
  std::vector<uint32_t> alias_index_;
  std::vector<double> weight_sum_;  // W(v), weighted graphs only
};

}  // namespace n2v

#endif  // N2V_WALKER_H_
