// Node2VecWalker's driven step: one step of one walk at a time, suspended
// when the arc test needs a node whose arcs are elsewhere. The order of
// draws follows WalkInterleaved stage by stage (locate: the return edge's
// outlier; propose: its branch, then an arc, then the alias pick; read: the
// acceptance draw and the verdict), which the tests check walk by walk.
#include "n2v/walker.h"

#include "internal/alias_table.h"

namespace n2v {

Node2VecWalker::StepResult Node2VecWalker::BeginStep(
    NodeIndex t, NodeIndex v, bool has_previous, bool arcs_of_t_here, Rng& rng,
    DrivenStep* step, NodeIndex* next) const {
  const CsrGraph& g = *graph_;
  *step = DrivenStep{};
  step->t = t;
  step->v = v;
  if (g.out_degree(v) == 0) return StepResult::kEnded;
  step->second_order = has_previous && !first_order_;
  if (step->second_order && t != kNoNode) {
    // w(v, t): equal to the weight of the arc t -> v just taken when the
    // graph is undirected, as WalkInterleaved tracks it.
    step->outlier = ReturnOutlier(t, v, g.ArcWeight(v, t), &step->total);
  }
  return Propose(arcs_of_t_here, rng, step, next);
}

Node2VecWalker::StepResult Node2VecWalker::Propose(bool arcs_of_t_here,
                                                   Rng& rng, DrivenStep* step,
                                                   NodeIndex* next) const {
  const CsrGraph& g = *graph_;
  const NodeIndex v = step->v;
  while (true) {
    if (step->outlier > 0 && rng.Uniform() * step->total < step->outlier) {
      *next = step->t;
      return StepResult::kTook;
    }
    uint32_t i = rng.Below(g.out_degree(v));
    if (!alias_prob_.empty()) {
      const uint64_t at = g.arc_begin(v) + i;
      i = internal::KeepsColumn(rng, alias_prob_[at]) ? i : alias_index_[at];
    }
    const NodeIndex x = g.out_neighbors(v)[i];
    if (!step->second_order) {
      *next = x;
      return StepResult::kTook;
    }
    const double u = rng.Uniform() * envelope_;
    switch (Judge(step->t, x, u)) {
      case Verdict::kAccept:
        *next = x;
        return StepResult::kTook;
      case Verdict::kReject:
        continue;
      case Verdict::kTestArc:
        if (!arcs_of_t_here) {
          step->proposal = x;
          step->u = u;
          return StepResult::kNeedsArcTest;
        }
        if (AcceptGivenArc(g.HasArc(step->t, x), u)) {
          *next = x;
          return StepResult::kTook;
        }
    }
  }
}

Node2VecWalker::StepResult Node2VecWalker::ResumeStep(bool arc_t_x,
                                                      bool arcs_of_t_here,
                                                      Rng& rng, DrivenStep* step,
                                                      NodeIndex* next) const {
  if (AcceptGivenArc(arc_t_x, step->u)) {
    *next = step->proposal;
    return StepResult::kTook;
  }
  return Propose(arcs_of_t_here, rng, step, next);
}

void Node2VecWalker::PrefetchFirstProposal(NodeIndex t, NodeIndex v,
                                           bool has_previous, Rng rng) const {
  const CsrGraph& g = *graph_;
  const uint32_t degree = g.out_degree(v);
  if (degree == 0) return;
  // BeginStep draws for the return edge first when it has excess mass.
  if (has_previous && !first_order_ && t != kNoNode && return_excess_ > 0) return;
  const uint32_t i = rng.Below(degree);
  if (!alias_prob_.empty()) {
    __builtin_prefetch(alias_prob_.data() + g.arc_begin(v) + i);
    __builtin_prefetch(alias_index_.data() + g.arc_begin(v) + i);
  }
  // The alias pick keeps arc i most often.
  __builtin_prefetch(g.out_neighbors(v).data() + i);
}

}  // namespace n2v
