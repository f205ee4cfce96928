// Node2VecWalker: first-order alias tables and the exact second-order
// rejection sampler described in walker.h.
#include "n2v/walker.h"

#include <algorithm>
#include <cmath>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "internal/alias_table.h"
#include "internal/option_rules.h"
#include "n2v/status_macros.h"

namespace n2v {
absl::Status ValidateWalkParams(const WalkParams& params,
                                const OptionNames& names) {
  N2V_RETURN_IF_ERROR(internal::FiniteAbove0(names.p, params.p));
  N2V_RETURN_IF_ERROR(internal::FiniteAbove0(names.q, params.q));
  N2V_RETURN_IF_ERROR(
      internal::Between(names.p, kMinReturnParameter, kMaxReturnParameter, params.p));
  N2V_RETURN_IF_ERROR(
      internal::Between(names.q, kMinInOutParameter, kMaxInOutParameter, params.q));
  return internal::Between1And(names.walk_length, kMaxWalkLength,
                               params.walk_length);
}

Node2VecWalker::Node2VecWalker(const CsrGraph& graph, const WalkParams& params)
    : graph_(&graph), params_(params) {
  inv_p_ = 1.0 / params.p;
  inv_q_ = 1.0 / params.q;
  first_order_ = params.p == 1.0 && params.q == 1.0;
  envelope_ = std::max(1.0, inv_q_);
  lower_ = std::min(1.0, inv_q_);
  return_excess_ = std::max(0.0, inv_p_ - envelope_);
}

absl::StatusOr<Node2VecWalker> Node2VecWalker::Create(
    const CsrGraph& graph, const WalkParams& params) {
  if (absl::Status s = ValidateWalkParams(params); !s.ok()) return s;
  Node2VecWalker walker(graph, params);
  if (!graph.weighted()) return walker;

  const NodeIndex n = graph.num_nodes();
  walker.alias_prob_.resize(graph.num_arcs());
  walker.alias_index_.resize(graph.num_arcs());
  walker.weight_sum_.resize(n);
  tbb::parallel_for(tbb::blocked_range<NodeIndex>(0, n, 256),
                    [&](const tbb::blocked_range<NodeIndex>& r) {
                      internal::AliasScratch scratch;
                      for (NodeIndex v = r.begin(); v < r.end(); ++v) {
                        const uint64_t at = graph.arc_begin(v);
                        internal::BuildAlias(graph.out_weights(v),
                                             walker.alias_prob_.data() + at,
                                             walker.alias_index_.data() + at,
                                             scratch);
                        walker.weight_sum_[v] = graph.out_weight_sum(v);
                      }
                    });
  return walker;
}

size_t Node2VecWalker::MemoryBytes() const {
  return alias_prob_.capacity() * sizeof(float) +
         alias_index_.capacity() * sizeof(uint32_t) +
         weight_sum_.capacity() * sizeof(double);
}

double Node2VecWalker::ReturnOutlier(NodeIndex t, NodeIndex v, float w_tv,
                                     double* total) const {
  if (return_excess_ <= 0) return 0;
  const double w_vt = graph_->directed() ? graph_->ArcWeight(v, t) : w_tv;
  const double w_sum =
      weight_sum_.empty() ? graph_->out_degree(v) : weight_sum_[v];
  const double outlier = w_vt * return_excess_;
  *total = outlier + envelope_ * w_sum;
  return outlier;
}

uint32_t Node2VecWalker::Walk(NodeIndex start, Rng& rng,
                              NodeIndex* out) const {
  uint32_t length = 0;
  WalkInterleaved({&start, 1}, &rng, &out, &length);
  return length;
}

}  // namespace n2v
