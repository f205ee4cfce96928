// Which nodes changed between two versions of a graph: the starting points
// of an incremental re-embedding.
#ifndef N2V_GRAPH_DIFF_H_
#define N2V_GRAPH_DIFF_H_

#include <cstdint>
#include <vector>

#include "n2v/graph.h"

namespace n2v {

struct GraphChanges {
  // Ids of `after`'s nodes that are new or whose out-neighbours or arc
  // weights differ from `before` (in an undirected graph both ends of a
  // changed edge), ascending.
  std::vector<int64_t> changed;
  // Ids present in `before` only, ascending.
  std::vector<int64_t> removed;
};

GraphChanges DiffGraphs(const CsrGraph& before, const CsrGraph& after);

}  // namespace n2v

#endif  // N2V_GRAPH_DIFF_H_
