// DiffGraphs: node-by-node comparison of adjacency in original ids. Dense
// ids ascend with original ids, so both neighbour lists map to ascending
// original-id sequences and compare element by element.
#include "n2v/graph_diff.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

namespace n2v {
namespace {

bool SameArcs(const CsrGraph& a, NodeIndex u, const CsrGraph& b, NodeIndex v) {
  const auto na = a.out_neighbors(u);
  const auto nb = b.out_neighbors(v);
  if (na.size() != nb.size()) return false;
  const auto wa = a.out_weights(u);
  const auto wb = b.out_weights(v);
  for (size_t i = 0; i < na.size(); ++i) {
    if (a.original_id(na[i]) != b.original_id(nb[i])) return false;
    const float x = wa.empty() ? 1.0f : wa[i];
    const float y = wb.empty() ? 1.0f : wb[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

GraphChanges DiffGraphs(const CsrGraph& before, const CsrGraph& after) {
  std::vector<uint8_t> changed(after.num_nodes(), 0);
  tbb::parallel_for(tbb::blocked_range<NodeIndex>(0, after.num_nodes(), 1024),
                    [&](const tbb::blocked_range<NodeIndex>& r) {
                      for (NodeIndex v = r.begin(); v < r.end(); ++v) {
                        const auto old = before.ids().Find(after.original_id(v));
                        changed[v] = !old || !SameArcs(before, *old, after, v);
                      }
                    });
  GraphChanges out;
  for (NodeIndex v = 0; v < after.num_nodes(); ++v) {
    if (changed[v]) out.changed.push_back(after.original_id(v));
  }
  for (NodeIndex u = 0; u < before.num_nodes(); ++u) {
    if (!after.ids().Find(before.original_id(u))) {
      out.removed.push_back(before.original_id(u));
    }
  }
  return out;
}

}  // namespace n2v
