// CsrGraph::Build: parallel construction of the sorted, merged CSR arrays,
// as named steps: CheckColumns, CheckWeights, IndexNodes (a presence bitmap
// when ids are nearly contiguous, a parallel sort otherwise), ToDenseEdges,
// CountDegrees, PrefixOffsets, ScatterArcs, SortAndMergeArcs (by target,
// then weight, so merged sums do not depend on scheduling and builds are
// deterministic), SquishArcs, Describe.
#include "n2v/graph.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numeric>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/parallel_sort.h>

#include "absl/strings/str_cat.h"
#include "internal/parallel.h"
#include "n2v/status_macros.h"

namespace n2v {
namespace {

constexpr size_t kGrain = 1 << 14;

struct WeightedArc {
  NodeIndex target;
  float weight;
  bool operator<(const WeightedArc& o) const {
    return target != o.target ? target < o.target : weight < o.weight;
  }
};

bool ValidWeight(float w) { return std::isfinite(w) && w > 0.0f; }

// Index of the first invalid weight, or weights.size().
size_t FirstInvalidWeight(const std::vector<float>& weights) {
  return tbb::parallel_reduce(
      tbb::blocked_range<size_t>(0, weights.size(), kGrain), weights.size(),
      [&](const tbb::blocked_range<size_t>& r, size_t best) {
        for (size_t i = r.begin(); i < r.end() && i < best; ++i) {
          if (!ValidWeight(weights[i])) return i;
        }
        return best;
      },
      [](size_t a, size_t b) { return std::min(a, b); });
}

// Sorted distinct ids of nodes, sources and targets.
std::vector<int64_t> DistinctIds(const EdgeList& edges) {
  const std::vector<int64_t>* columns[] = {&edges.nodes, &edges.sources,
                                           &edges.targets};
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  size_t total = 0;
  for (const auto* column : columns) {
    if (column->empty()) continue;
    total += column->size();
    auto [mn, mx] = tbb::parallel_reduce(
        tbb::blocked_range<size_t>(0, column->size(), kGrain),
        std::pair<int64_t, int64_t>(INT64_MAX, INT64_MIN),
        [&](const tbb::blocked_range<size_t>& r, std::pair<int64_t, int64_t> m) {
          for (size_t i = r.begin(); i < r.end(); ++i) {
            m.first = std::min(m.first, (*column)[i]);
            m.second = std::max(m.second, (*column)[i]);
          }
          return m;
        },
        [](auto a, auto b) {
          return std::pair<int64_t, int64_t>(std::min(a.first, b.first),
                                             std::max(a.second, b.second));
        });
    lo = std::min(lo, mn);
    hi = std::max(hi, mx);
  }
  if (total == 0) return {};
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span < 4 * static_cast<uint64_t>(total) + 1024) {
    // Presence bitmap over [lo, hi]: linear time, no sort.
    std::vector<uint8_t> present(span + 1, 0);
    for (const auto* column : columns) {
      tbb::parallel_for(tbb::blocked_range<size_t>(0, column->size(), kGrain),
                        [&](const tbb::blocked_range<size_t>& r) {
                          for (size_t i = r.begin(); i < r.end(); ++i) {
                            std::atomic_ref<uint8_t>(
                                present[static_cast<uint64_t>((*column)[i]) -
                                        static_cast<uint64_t>(lo)])
                                .store(1, std::memory_order_relaxed);
                          }
                        });
    }
    std::vector<int64_t> ids;
    ids.reserve(std::min<uint64_t>(total, span + 1));
    for (uint64_t off = 0; off <= span; ++off) {
      if (present[off]) ids.push_back(static_cast<int64_t>(
                            static_cast<uint64_t>(lo) + off));
    }
    return ids;
  }
  std::vector<int64_t> ids;
  ids.reserve(total);
  for (const auto* column : columns) {
    ids.insert(ids.end(), column->begin(), column->end());
  }
  tbb::parallel_sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.shrink_to_fit();
  return ids;
}

std::vector<NodeIndex> ToDense(const std::vector<int64_t>& column,
                               const NodeIdIndex& index) {
  std::vector<NodeIndex> dense(column.size());
  tbb::parallel_for(tbb::blocked_range<size_t>(0, column.size(), kGrain),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t i = r.begin(); i < r.end(); ++i) {
                        dense[i] = *index.Find(column[i]);
                      }
                    });
  return dense;
}

// Exclusive prefix sum of counts into offsets (size n + 1).
std::vector<uint64_t> PrefixOffsets(const std::vector<uint32_t>& counts) {
  std::vector<uint64_t> offsets(counts.size() + 1);
  offsets[0] = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    offsets[i + 1] = offsets[i] + counts[i];
  }
  return offsets;
}

absl::Status CheckColumns(const EdgeList& edges) {
  const size_t m = edges.sources.size();
  if (edges.targets.size() != m) {
    return absl::InvalidArgumentError(
        absl::StrCat("edge columns differ in length: ", m, " sources, ",
                     edges.targets.size(), " targets"));
  }
  if (!edges.weights.empty() && edges.weights.size() != m) {
    return absl::InvalidArgumentError(
        absl::StrCat("edge columns differ in length: ", m, " sources, ",
                     edges.weights.size(), " weights"));
  }
  return absl::OkStatus();
}

absl::Status CheckWeights(const EdgeList& edges) {
  if (edges.weights.empty()) return absl::OkStatus();
  const size_t bad = FirstInvalidWeight(edges.weights);
  if (bad == edges.weights.size()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "edge ", bad, " (", edges.sources[bad], " -> ", edges.targets[bad],
      "): weight must be finite and > 0, got ", edges.weights[bad]));
}

absl::StatusOr<NodeIdIndex> IndexNodes(const EdgeList& edges) {
  N2V_ASSIGN_OR_RETURN(NodeIdIndex index, NodeIdIndex::Create(DistinctIds(edges)));
  if (index.size() >= kNoNode) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many nodes: ", index.size()));
  }
  return index;
}

// The edge list in dense ids; the input columns are released as they are
// converted.
struct DenseEdges {
  std::vector<NodeIndex> sources, targets;
  std::vector<float> weights;  // empty when unweighted
};

DenseEdges ToDenseEdges(EdgeList& edges, const NodeIdIndex& index) {
  DenseEdges dense;
  dense.sources = ToDense(edges.sources, index);
  std::vector<int64_t>().swap(edges.sources);
  dense.targets = ToDense(edges.targets, index);
  std::vector<int64_t>().swap(edges.targets);
  std::vector<int64_t>().swap(edges.nodes);
  dense.weights = std::move(edges.weights);
  return dense;
}

// Out-degree of every node before merging (undirected edges count at both
// ends, a self-loop once). A node with more than UINT32_MAX arcs before
// merging is `*too_many` (one of them, kNoNode when none).
std::vector<uint32_t> CountDegrees(const DenseEdges& e, size_t n, bool both_ways,
                                   NodeIndex* too_many) {
  std::vector<uint32_t> counts(n, 0);
  std::atomic<NodeIndex> overflow{kNoNode};
  auto count = [&](NodeIndex node) {
    if (std::atomic_ref<uint32_t>(counts[node]).fetch_add(1, std::memory_order_relaxed) ==
        UINT32_MAX) {
      overflow.store(node, std::memory_order_relaxed);
    }
  };
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, e.sources.size(), kGrain),
      [&](const tbb::blocked_range<size_t>& r) {
        for (size_t i = r.begin(); i < r.end(); ++i) {
          count(e.sources[i]);
          if (both_ways && e.sources[i] != e.targets[i]) count(e.targets[i]);
        }
      });
  *too_many = overflow.load();
  return counts;
}

// Every arc in its source's segment of `offsets`, in arbitrary order.
std::vector<WeightedArc> ScatterArcs(const DenseEdges& e,
                                     const std::vector<uint64_t>& offsets,
                                     bool both_ways) {
  const bool weighted = !e.weights.empty();
  std::vector<uint64_t> cursor(offsets.begin(), offsets.end() - 1);
  std::vector<WeightedArc> arcs(offsets.back());
  auto place = [&](NodeIndex from, NodeIndex to, float w) {
    const uint64_t at = std::atomic_ref<uint64_t>(cursor[from])
                            .fetch_add(1, std::memory_order_relaxed);
    arcs[at] = WeightedArc{to, w};
  };
  tbb::parallel_for(tbb::blocked_range<size_t>(0, e.sources.size(), kGrain),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t i = r.begin(); i < r.end(); ++i) {
                        const float w = weighted ? e.weights[i] : 1.0f;
                        place(e.sources[i], e.targets[i], w);
                        if (both_ways && e.sources[i] != e.targets[i]) {
                          place(e.targets[i], e.sources[i], w);
                        }
                      }
                    });
  return arcs;
}

// What merging parallel arcs found.
struct MergeCounts {
  uint64_t merged_self = 0;   // extra copies of self-loops
  uint64_t merged_other = 0;  // extra copies of other arcs
  uint64_t self_loops = 0;    // distinct self-loops
  NodeIndex overflow = kNoNode;  // smallest node whose merged weight overflows
};

// Sorts each node's segment by (target, weight) and merges parallel arcs
// in place (weights summed in sorted order, so the sums do not depend on
// scheduling); counts[v] becomes v's merged out-degree.
MergeCounts SortAndMergeArcs(std::vector<WeightedArc>& arcs,
                             const std::vector<uint64_t>& offsets,
                             bool weighted, std::vector<uint32_t>& counts) {
  std::atomic<uint64_t> merged_self{0}, merged_other{0}, self_loops{0};
  std::atomic<NodeIndex> overflow{kNoNode};
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, counts.size(), 256),
      [&](const tbb::blocked_range<size_t>& r) {
        uint64_t local_self = 0, local_other = 0, local_loops = 0;
        for (size_t v = r.begin(); v < r.end(); ++v) {
          WeightedArc* begin = arcs.data() + offsets[v];
          WeightedArc* end = arcs.data() + offsets[v + 1];
          std::sort(begin, end);
          WeightedArc* out = begin;
          for (WeightedArc* run = begin; run != end;) {
            WeightedArc* run_end = run + 1;
            double sum = run->weight;
            while (run_end != end && run_end->target == run->target) {
              sum += run_end->weight;
              ++run_end;
            }
            const uint64_t extra = static_cast<uint64_t>(run_end - run - 1);
            if (run->target == v) {
              local_self += extra;
              ++local_loops;
            } else {
              local_other += extra;
            }
            const float merged = weighted ? static_cast<float>(sum) : 1.0f;
            if (!std::isfinite(merged)) {
              // Keep the smallest such node, whichever thread sees it.
              NodeIndex seen = overflow.load();
              while (v < seen && !overflow.compare_exchange_weak(
                                     seen, static_cast<NodeIndex>(v))) {
              }
            }
            *out++ = WeightedArc{run->target, merged};
            run = run_end;
          }
          counts[v] = static_cast<uint32_t>(out - begin);
        }
        merged_self += local_self;
        merged_other += local_other;
        self_loops += local_loops;
      });
  return {merged_self.load(), merged_other.load(), self_loops.load(),
          overflow.load()};
}

// The merged arcs, moved from their segments of `raw_offsets` to their
// final places at `offsets` (targets and, when weighted, weights).
void SquishArcs(const std::vector<WeightedArc>& arcs,
                const std::vector<uint64_t>& raw_offsets,
                const std::vector<uint64_t>& offsets, bool weighted,
                std::vector<NodeIndex>& targets, std::vector<float>& weights) {
  const size_t n = offsets.size() - 1;
  targets.resize(offsets.back());
  if (weighted) weights.resize(offsets.back());
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 1024),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t v = r.begin(); v < r.end(); ++v) {
                        const WeightedArc* from = arcs.data() + raw_offsets[v];
                        const uint64_t to = offsets[v];
                        const uint64_t deg = offsets[v + 1] - to;
                        for (uint64_t i = 0; i < deg; ++i) {
                          targets[to + i] = from[i].target;
                          if (weighted) weights[to + i] = from[i].weight;
                        }
                      }
                    });
}

// Nodes with no out-arc and no in-arc.
uint64_t CountIsolated(const std::vector<uint64_t>& offsets,
                       const std::vector<NodeIndex>& targets) {
  const size_t n = offsets.size() - 1;
  std::vector<uint8_t> has_in(n, 0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, targets.size(), kGrain),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t i = r.begin(); i < r.end(); ++i) {
                        std::atomic_ref<uint8_t>(has_in[targets[i]])
                            .store(1, std::memory_order_relaxed);
                      }
                    });
  uint64_t isolated = 0;
  for (size_t v = 0; v < n; ++v) {
    isolated += (has_in[v] == 0 && offsets[v + 1] == offsets[v]);
  }
  return isolated;
}

}  // namespace

absl::StatusOr<CsrGraph> CsrGraph::Build(EdgeList edges,
                                         const GraphBuildOptions& options) {
  N2V_RETURN_IF_ERROR(CheckColumns(edges));
  return internal::RunInArena(options.num_threads, [&]() {
    return BuildInArena(std::move(edges), options);
  });
}

absl::StatusOr<CsrGraph> CsrGraph::BuildInArena(EdgeList edges,
                                                const GraphBuildOptions& options) {
  N2V_RETURN_IF_ERROR(CheckWeights(edges));
  const uint64_t input_edges = edges.sources.size();
  const bool weighted = !edges.weights.empty();
  const bool both_ways = !options.directed;
  CsrGraph graph;
  graph.directed_ = options.directed;
  N2V_ASSIGN_OR_RETURN(NodeIdIndex index, IndexNodes(edges));
  DenseEdges dense = ToDenseEdges(edges, index);
  graph.ids_ = std::make_shared<const NodeIdIndex>(std::move(index));

  NodeIndex too_many = kNoNode;
  std::vector<uint32_t> counts =
      CountDegrees(dense, graph.ids_->size(), both_ways, &too_many);
  if (too_many != kNoNode) {
    return absl::InvalidArgumentError(absl::StrCat(
        "node ", graph.ids_->id(too_many), " has more than ", UINT32_MAX,
        " edges (before parallel edges merge); a node may have at most that many"));
  }
  const std::vector<uint64_t> raw_offsets = PrefixOffsets(counts);
  std::vector<WeightedArc> arcs = ScatterArcs(dense, raw_offsets, both_ways);
  dense = DenseEdges();
  const MergeCounts merged = SortAndMergeArcs(arcs, raw_offsets, weighted, counts);
  if (merged.overflow != kNoNode) {
    return absl::InvalidArgumentError(absl::StrCat(
        "merged parallel edges of node ", graph.ids_->id(merged.overflow),
        " sum to a weight that overflows float"));
  }
  graph.offsets_ = PrefixOffsets(counts);
  std::vector<uint32_t>().swap(counts);
  SquishArcs(arcs, raw_offsets, graph.offsets_, weighted, graph.targets_,
             graph.weights_);
  std::vector<WeightedArc>().swap(arcs);
  graph.stats_ = graph.Describe(input_edges, merged.self_loops,
                                merged.merged_self, merged.merged_other);
  return graph;
}

GraphStats CsrGraph::Describe(uint64_t input_edges, uint64_t self_loops,
                              uint64_t merged_self,
                              uint64_t merged_other) const {
  GraphStats s;
  s.num_nodes = num_nodes();
  s.input_edges = input_edges;
  s.num_arcs = num_arcs();
  s.self_loops = self_loops;
  s.num_edges = directed_ ? s.num_arcs
                          : (s.num_arcs - self_loops) / 2 + self_loops;
  s.merged_duplicates =
      merged_self + (directed_ ? merged_other : merged_other / 2);
  s.isolated_nodes = CountIsolated(offsets_, targets_);
  s.memory_bytes = offsets_.capacity() * sizeof(uint64_t) +
                   targets_.capacity() * sizeof(NodeIndex) +
                   weights_.capacity() * sizeof(float) + ids_->MemoryBytes();
  s.bytes_per_edge =
      s.num_edges == 0 ? 0.0 : static_cast<double>(s.memory_bytes) / s.num_edges;
  return s;
}

double CsrGraph::out_weight_sum(NodeIndex v) const {
  if (weights_.empty()) return out_degree(v);
  double sum = 0;
  for (float w : out_weights(v)) sum += w;
  return sum;
}

float CsrGraph::ArcWeight(NodeIndex v, NodeIndex x) const {
  const auto nbrs = out_neighbors(v);
  const auto it = std::lower_bound(nbrs.begin(), nbrs.end(), x);
  if (it == nbrs.end() || *it != x) return 0.0f;
  return weights_.empty() ? 1.0f : weights_[offsets_[v] + (it - nbrs.begin())];
}

bool CsrGraph::HasArc(NodeIndex v, NodeIndex x) const {
  const auto nbrs = out_neighbors(v);
  return std::binary_search(nbrs.begin(), nbrs.end(), x);
}

}  // namespace n2v
