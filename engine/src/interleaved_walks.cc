// Node2VecWalker::WalkInterleaved: several walks advanced in turns, so
// their cache misses overlap (see walker.h).
//
// A step splits into stages that each end by prefetching what the next
// stage reads; a walk runs one stage per turn, so by the time its turn
// comes back the line has usually arrived:
//   locate (v's offsets -> a proposed arc; prefetch it),
//   [pick  (weighted: the alias entry of that arc; prefetch the target)],
//   read   (the arc's target: taken, or for a second-order step judged
//           and, when rejected, a new proposal prefetched as in locate),
//   [search (when the verdict needs the arc t -> x and t has a long arc
//           list, as hubs do: one level of a binary search per turn, the
//           next probe prefetched)].
// Taking a node prefetches its offsets for the next locate. Short lists
// are searched in place: a level per turn costs more than it saves when
// the list is a few cache lines. Each walk draws only from its own Rng and
// the acceptance rule is one (Judge, AcceptGivenArc), so a walk does not
// depend on which walks run beside it; Walk is this with one.
#include <cassert>

#include "internal/alias_table.h"
#include "n2v/walker.h"

namespace n2v {
namespace {

enum class Stage : uint8_t { kLocate, kPick, kRead, kSearch, kDone };

// One walk's state. No member initializers: only the cursors in use are
// set up, in WalkInterleaved.
struct Cursor {
  NodeIndex* out;
  uint32_t length;
  Stage stage;
  bool second_order;  // this step is second order
  uint32_t draw;      // kPick: the arc index drawn uniformly
  uint64_t arc;       // offset of v's first arc (kPick), of the chosen arc (kRead)
  float w_prev;       // weight of the arc just taken (second order)
  double outlier;     // the return edge's excess mass (second order)
  double total;       // the step's whole mass, when outlier > 0
  // kSearch: the proposal, its uniform draw, and the part of t's arcs
  // (`span` entries from `probe`) that can still hold it.
  NodeIndex proposal;
  double u;
  const NodeIndex* probe;
  uint32_t span;
};

// Arc lists longer than this (16 cache lines) are searched a level per turn.
constexpr uint32_t kLongList = 256;

}  // namespace

void Node2VecWalker::WalkInterleaved(std::span<const NodeIndex> starts,
                                     Rng* rngs, NodeIndex* const* outs,
                                     uint32_t* lengths) const {
  const size_t count = starts.size();
  assert(count <= kMaxInterleavedWalks);
  const CsrGraph& g = *graph_;
  const uint32_t walk_length = params_.walk_length;
  const bool track_weight = g.weighted() && return_excess_ > 0 && !g.directed();
  Cursor cursors[kMaxInterleavedWalks];
  size_t active = 0;
  for (size_t b = 0; b < count; ++b) {
    Cursor& c = cursors[b];
    c = Cursor{};
    c.out = outs[b];
    c.out[0] = starts[b];
    c.length = 1;
    c.w_prev = 1.0f;
    c.stage = walk_length == 1 ? Stage::kDone : Stage::kLocate;
    if (c.stage != Stage::kDone) {
      g.PrefetchNode(starts[b]);
      ++active;
    }
  }
  auto finish = [&](Cursor& c) {
    c.stage = Stage::kDone;
    --active;
  };
  // Appends x (reached from v) to walk c and queues its next step.
  auto take = [&](Cursor& c, NodeIndex v, NodeIndex x) {
    if (track_weight && c.second_order) c.w_prev = g.ArcWeight(v, x);
    c.out[c.length++] = x;
    if (c.length == walk_length) return finish(c);
    g.PrefetchNode(x);
    c.stage = Stage::kLocate;
  };
  // Draws the next proposal from v: the return edge's outlier branch (taken
  // at once) or an arc, whose alias entry or target is prefetched.
  auto propose = [&](Cursor& c, Rng& rng, NodeIndex v) {
    if (c.outlier > 0 && rng.Uniform() * c.total < c.outlier) {
      return take(c, v, c.out[c.length - 2]);
    }
    const uint64_t begin = g.arc_begin(v);
    const uint32_t i = rng.Below(g.out_degree(v));
    if (alias_prob_.empty()) {
      c.arc = begin + i;
      __builtin_prefetch(g.out_neighbors(v).data() + i);
      c.stage = Stage::kRead;
    } else {
      c.arc = begin;
      c.draw = i;
      __builtin_prefetch(alias_prob_.data() + begin + i);
      __builtin_prefetch(alias_index_.data() + begin + i);
      c.stage = Stage::kPick;
    }
  };
  while (active > 0) {
    for (size_t b = 0; b < count; ++b) {
      Cursor& c = cursors[b];
      Rng& rng = rngs[b];
      if (c.stage == Stage::kDone) continue;
      const NodeIndex v = c.out[c.length - 1];
      switch (c.stage) {
        case Stage::kLocate: {
          if (g.out_degree(v) == 0) {
            finish(c);
            break;
          }
          c.second_order = c.length >= 2 && !first_order_;
          c.outlier = c.second_order
                          ? ReturnOutlier(c.out[c.length - 2], v, c.w_prev, &c.total)
                          : 0;
          propose(c, rng, v);
          break;
        }
        case Stage::kPick: {
          const uint64_t at = c.arc + c.draw;
          const uint32_t i =
              internal::KeepsColumn(rng, alias_prob_[at]) ? c.draw : alias_index_[at];
          c.arc += i;
          __builtin_prefetch(g.out_neighbors(v).data() + i);
          c.stage = Stage::kRead;
          break;
        }
        case Stage::kRead: {
          const uint64_t i = c.arc - g.arc_begin(v);
          const NodeIndex x = g.out_neighbors(v)[i];
          if (!c.second_order) {
            if (track_weight && c.length == 1) c.w_prev = g.out_weights(v)[i];
            take(c, v, x);
            break;
          }
          const NodeIndex t = c.out[c.length - 2];
          const double u = rng.Uniform() * envelope_;
          const Verdict verdict = Judge(t, x, u);
          if (verdict == Verdict::kTestArc && g.out_degree(t) > kLongList) {
            const auto arcs = g.out_neighbors(t);
            c.proposal = x;
            c.u = u;
            c.probe = arcs.data();
            c.span = static_cast<uint32_t>(arcs.size());
            __builtin_prefetch(c.probe + c.span / 2);
            c.stage = Stage::kSearch;
          } else if (verdict == Verdict::kAccept ||
                     (verdict == Verdict::kTestArc &&
                      AcceptGivenArc(g.HasArc(t, x), u))) {
            take(c, v, x);
          } else {
            propose(c, rng, v);
          }
          break;
        }
        case Stage::kSearch: {
          // The last arc <= the proposal stays in [probe, probe + span).
          if (c.span > 1) {
            const uint32_t half = c.span / 2;
            c.probe += c.probe[half] <= c.proposal ? half : 0;
            c.span -= half;
            __builtin_prefetch(c.probe + c.span / 2);
            break;
          }
          if (AcceptGivenArc(*c.probe == c.proposal, c.u)) {
            take(c, v, c.proposal);
          } else {
            propose(c, rng, v);
          }
          break;
        }
        case Stage::kDone:
          break;
      }
    }
  }
  for (size_t b = 0; b < count; ++b) lengths[b] = cursors[b].length;
}

}  // namespace n2v
