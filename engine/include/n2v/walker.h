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
// per step is at most max(1, 1/q) * max(p, 1, q), independent of degree
// (the ranges below bound it); each
// proposal costs O(1) plus, only when alpha is ambiguous, one binary search
// in t's sorted adjacency (KnightKing, SOSP 2019, uses the same envelope
// idea). When p = q = 1 the walk is first order and skips the test entirely.
//
// Thread safety: a walker is immutable after Create; Walk and
// WalkInterleaved may run concurrently with distinct Rng objects.
#ifndef N2V_WALKER_H_
#define N2V_WALKER_H_

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/graph.h"
#include "n2v/option_names.h"
#include "n2v/random.h"

namespace n2v {

// Longest walk accepted (walk buffers are per thread, 8 bytes a node).
inline constexpr uint32_t kMaxWalkLength = 1000000;
// Most walks WalkInterleaved advances together.
inline constexpr uint32_t kMaxInterleavedWalks = 64;

// The random stream of the walk that starts at the node with id `start_id`
// in round `round` (that node's round-th walk). Every walk has its own
// stream, named by what the walk is rather than by where or when it is
// generated, so the set of walks is the same whatever splits the work:
// threads, batches, or the ranks of a distributed run (which carry the
// stream along with the walker).
inline Rng WalkRng(uint64_t seed, int64_t start_id, uint32_t round) {
  constexpr uint64_t kWalkStream = 1;
  return Rng(DeriveSeed(DeriveSeed(seed, kWalkStream, static_cast<uint64_t>(start_id)),
                        round, 0));
}

// The ranges of p and q. A step needs max(1, 1/q) * max(p, 1, q)
// proposals on average at worst (a leaf whose only arc leads back, or a
// node whose every neighbour is also t's), so these bound it by 10^5: no
// job can be made to run without end, and a cancel is seen soon.
inline constexpr double kMinReturnParameter = 1e-4, kMaxReturnParameter = 1e3;
inline constexpr double kMinInOutParameter = 1e-2, kMaxInOutParameter = 1e2;

struct WalkParams {
  // Return parameter p (kMinReturnParameter..kMaxReturnParameter): small p
  // keeps walks local.
  double p = 1.0;
  // In-out parameter q (kMinInOutParameter..kMaxInOutParameter): small q
  // explores outward (DFS-like).
  double q = 1.0;
  // Nodes per walk, including the start node (>= 1).
  uint32_t walk_length = 80;
};

// InvalidArgument naming the field (as `names` spells it) when p or q is
// not finite and > 0 or outside its range, or walk_length is outside
// 1..kMaxWalkLength.
absl::Status ValidateWalkParams(const WalkParams& params,
                                const OptionNames& names = {});

class Node2VecWalker {
 public:
  // Builds the first-order samplers for `graph`, which must outlive the
  // walker.
  static absl::StatusOr<Node2VecWalker> Create(const CsrGraph& graph,
                                               const WalkParams& params);

  // Writes the walk from `start` into `out` (which has room for
  // walk_length nodes) and returns its length, between 1 and walk_length.
  // A WalkInterleaved of one walk.
  uint32_t Walk(NodeIndex start, Rng& rng, NodeIndex* out) const;

  // Walks from starts[b] with rngs[b] into outs[b] (room for walk_length
  // nodes each), lengths into lengths[b], for every b < starts.size(); each
  // walk depends only on its start and Rng (it is the walk Walk gives).
  // The walks advance in turns, each turn ending with a prefetch of the
  // memory its next turn reads, so one walk's cache misses overlap the
  // others' work: on graphs larger than the cache this is faster than
  // calling Walk once per walk. rngs, outs and lengths have starts.size()
  // entries; at most kMaxInterleavedWalks walks.
  void WalkInterleaved(std::span<const NodeIndex> starts, Rng* rngs,
                       NodeIndex* const* outs, uint32_t* lengths) const;

  // A step driven from outside, for walks whose previous node may live on
  // another machine (a distributed run): the caller passes the walk's
  // previous node t and current node v in this graph's ids, and answers "is
  // x a neighbour of t" later when this graph does not hold t's arcs. The
  // draws are WalkInterleaved's, in the same order, so a walk is the same
  // whichever drives it.
  struct DrivenStep {
    NodeIndex t = kNoNode;  // previous node in this graph, kNoNode if absent
    NodeIndex v = kNoNode;
    bool second_order = false;
    double outlier = 0, total = 0;
    NodeIndex proposal = kNoNode;  // awaiting the arc test
    double u = 0;
  };
  enum class StepResult { kTook, kEnded, kNeedsArcTest };
  // Starts the step from v. `has_previous`: the walk has a previous node
  // (t, or one this graph does not hold: then t is kNoNode and cannot be
  // the proposal); `arcs_of_t_here`: HasArc(t, x) can be answered here.
  // kTook sets *next; kNeedsArcTest leaves the question in step->proposal
  // for ResumeStep.
  StepResult BeginStep(NodeIndex t, NodeIndex v, bool has_previous,
                       bool arcs_of_t_here, Rng& rng, DrivenStep* step,
                       NodeIndex* next) const;
  // Continues a step with the answer to "is step->proposal a neighbour of t".
  StepResult ResumeStep(bool arc_t_x, bool arcs_of_t_here, Rng& rng,
                        DrivenStep* step, NodeIndex* next) const;
  // Asks the cache for the arc that BeginStep(t, v, has_previous, ...)
  // with this Rng would read first, drawing from the copy `rng`, so a
  // caller stepping several walks in turns overlaps their cache misses.
  // Reads only v's offsets (ask for them first: CsrGraph::PrefetchNode).
  // Does nothing for a step whose first draw depends on the return edge.
  void PrefetchFirstProposal(NodeIndex t, NodeIndex v, bool has_previous,
                             Rng rng) const;

  const WalkParams& params() const { return params_; }
  // Bytes of the sampling tables (alias tables and weight sums).
  size_t MemoryBytes() const;

 private:
  Node2VecWalker(const CsrGraph& graph, const WalkParams& params);

  // The return edge's excess mass w(v, t) * (1/p - c) when positive, with
  // the whole mass of the step (the excess plus c * W(v)) in *total;
  // otherwise 0, *total untouched. `w_tv` is the weight of the arc t -> v
  // just taken, which equals w(v, t) when undirected.
  double ReturnOutlier(NodeIndex t, NodeIndex v, float w_tv,
                       double* total) const;
  // The verdict on proposal x (drawn first order from v, the walk having
  // come from t) for u uniform in [0, c): accepted, rejected, or decided
  // by whether the arc t -> x exists (then AcceptGivenArc).
  enum class Verdict { kAccept, kReject, kTestArc };
  // The proposals of a driven step until one is taken or needs a remote
  // arc test.
  StepResult Propose(bool arcs_of_t_here, Rng& rng, DrivenStep* step,
                     NodeIndex* next) const;
  Verdict Judge(NodeIndex t, NodeIndex x, double u) const {
    if (x == t) return u < std::min(inv_p_, envelope_) ? Verdict::kAccept : Verdict::kReject;
    return u < lower_ ? Verdict::kAccept : Verdict::kTestArc;
  }
  bool AcceptGivenArc(bool arc_t_x, double u) const {
    return u < (arc_t_x ? 1.0 : inv_q_);
  }

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
