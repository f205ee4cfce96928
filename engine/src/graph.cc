// CsrGraph::Build: parallel construction of the sorted, merged CSR arrays.
//
// Steps: validate weights; collect the distinct node ids (a presence bitmap
// when ids are nearly contiguous, a parallel sort otherwise); map edges to
// dense ids; count out-degrees; scatter arcs; sort each node's arcs by
// (target, weight) and merge parallel edges. Sorting by weight too makes
// merged sums independent of scheduling, so builds are deterministic.
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

}  // namespace

absl::StatusOr<CsrGraph> CsrGraph::Build(EdgeList edges,
                                         const GraphBuildOptions& options) {
  const size_t m = edges.sources.size();
  if (edges.targets.size() != m) {
    return absl::InvalidArgumentError(
        absl::StrCat("edge columns differ in length: ", m, " sources, ",
                     edges.targets.size(), " targets"));
  }
  const bool weighted = !edges.weights.empty();
  if (weighted && edges.weights.size() != m) {
    return absl::InvalidArgumentError(
        absl::StrCat("edge columns differ in length: ", m, " sources, ",
                     edges.weights.size(), " weights"));
  }

  return internal::RunInArena(options.num_threads, [&]()
                                  -> absl::StatusOr<CsrGraph> {
    if (weighted) {
      const size_t bad = FirstInvalidWeight(edges.weights);
      if (bad != m) {
        return absl::InvalidArgumentError(absl::StrCat(
            "edge ", bad, " (", edges.sources[bad], " -> ", edges.targets[bad],
            "): weight must be finite and > 0, got ", edges.weights[bad]));
      }
    }

    CsrGraph graph;
    graph.directed_ = options.directed;
    N2V_ASSIGN_OR_RETURN(NodeIdIndex index,
                         NodeIdIndex::Create(DistinctIds(edges)));
    if (index.size() >= kNoNode) {
      return absl::InvalidArgumentError(
          absl::StrCat("too many nodes: ", index.size()));
    }
    const size_t n = index.size();
    std::vector<NodeIndex> src = ToDense(edges.sources, index);
    std::vector<int64_t>().swap(edges.sources);
    std::vector<NodeIndex> dst = ToDense(edges.targets, index);
    std::vector<int64_t>().swap(edges.targets);
    std::vector<int64_t>().swap(edges.nodes);
    graph.ids_ = std::make_shared<const NodeIdIndex>(std::move(index));

    // Out-degree counts before merging.
    const bool both_ways = !options.directed;
    std::vector<uint32_t> counts(n, 0);
    tbb::parallel_for(
        tbb::blocked_range<size_t>(0, m, kGrain),
        [&](const tbb::blocked_range<size_t>& r) {
          for (size_t i = r.begin(); i < r.end(); ++i) {
            std::atomic_ref<uint32_t>(counts[src[i]])
                .fetch_add(1, std::memory_order_relaxed);
            if (both_ways && src[i] != dst[i]) {
              std::atomic_ref<uint32_t>(counts[dst[i]])
                  .fetch_add(1, std::memory_order_relaxed);
            }
          }
        });
    std::vector<uint64_t> raw_offsets = PrefixOffsets(counts);
    const uint64_t raw_arcs = raw_offsets[n];

    // Scatter arcs into per-node segments (in arbitrary order).
    std::vector<uint64_t> cursor(raw_offsets.begin(), raw_offsets.end() - 1);
    std::vector<WeightedArc> arcs(raw_arcs);
    auto place = [&](NodeIndex from, NodeIndex to, float w) {
      const uint64_t at = std::atomic_ref<uint64_t>(cursor[from])
                              .fetch_add(1, std::memory_order_relaxed);
      arcs[at] = WeightedArc{to, w};
    };
    tbb::parallel_for(tbb::blocked_range<size_t>(0, m, kGrain),
                      [&](const tbb::blocked_range<size_t>& r) {
                        for (size_t i = r.begin(); i < r.end(); ++i) {
                          const float w = weighted ? edges.weights[i] : 1.0f;
                          place(src[i], dst[i], w);
                          if (both_ways && src[i] != dst[i]) {
                            place(dst[i], src[i], w);
                          }
                        }
                      });
    std::vector<uint64_t>().swap(cursor);
    std::vector<NodeIndex>().swap(src);
    std::vector<NodeIndex>().swap(dst);
    std::vector<float>().swap(edges.weights);

    // Sort each segment and merge parallel arcs in place.
    std::atomic<uint64_t> merged_self{0}, merged_other{0}, self_loops{0};
    std::atomic<bool> overflow{false};
    std::atomic<NodeIndex> overflow_node{kNoNode};
    tbb::parallel_for(
        tbb::blocked_range<size_t>(0, n, 256),
        [&](const tbb::blocked_range<size_t>& r) {
          uint64_t local_self = 0, local_other = 0, local_loops = 0;
          for (size_t v = r.begin(); v < r.end(); ++v) {
            WeightedArc* begin = arcs.data() + raw_offsets[v];
            WeightedArc* end = arcs.data() + raw_offsets[v + 1];
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
              float merged = weighted ? static_cast<float>(sum) : 1.0f;
              if (!std::isfinite(merged)) {
                // Report the smallest such node, whichever thread sees it.
                overflow.store(true);
                NodeIndex seen = overflow_node.load();
                while (v < seen && !overflow_node.compare_exchange_weak(
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
    if (overflow.load()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "merged parallel edges of node ",
          graph.ids_->id(overflow_node.load()),
          " sum to a weight that overflows float"));
    }

    // Compact into the final arrays.
    graph.offsets_ = PrefixOffsets(counts);
    std::vector<uint32_t>().swap(counts);
    const uint64_t num_arcs = graph.offsets_[n];
    graph.targets_.resize(num_arcs);
    if (weighted) graph.weights_.resize(num_arcs);
    tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 1024),
                      [&](const tbb::blocked_range<size_t>& r) {
                        for (size_t v = r.begin(); v < r.end(); ++v) {
                          const WeightedArc* from = arcs.data() + raw_offsets[v];
                          const uint64_t to = graph.offsets_[v];
                          const uint64_t deg = graph.offsets_[v + 1] - to;
                          for (uint64_t i = 0; i < deg; ++i) {
                            graph.targets_[to + i] = from[i].target;
                            if (weighted) graph.weights_[to + i] = from[i].weight;
                          }
                        }
                      });
    std::vector<WeightedArc>().swap(arcs);

    // Isolated nodes: no out-arc and no in-arc.
    std::vector<uint8_t> has_in(n, 0);
    tbb::parallel_for(tbb::blocked_range<size_t>(0, num_arcs, kGrain),
                      [&](const tbb::blocked_range<size_t>& r) {
                        for (size_t i = r.begin(); i < r.end(); ++i) {
                          std::atomic_ref<uint8_t>(has_in[graph.targets_[i]])
                              .store(1, std::memory_order_relaxed);
                        }
                      });
    uint64_t isolated = 0;
    for (size_t v = 0; v < n; ++v) {
      isolated += (has_in[v] == 0 && graph.offsets_[v + 1] == graph.offsets_[v]);
    }

    GraphStats& s = graph.stats_;
    s.num_nodes = n;
    s.input_edges = m;
    s.num_arcs = num_arcs;
    s.self_loops = self_loops.load();
    s.num_edges = options.directed
                      ? num_arcs
                      : (num_arcs - s.self_loops) / 2 + s.self_loops;
    s.merged_duplicates = merged_self.load() +
                          (options.directed ? merged_other.load()
                                            : merged_other.load() / 2);
    s.isolated_nodes = isolated;
    s.memory_bytes = graph.offsets_.capacity() * sizeof(uint64_t) +
                     graph.targets_.capacity() * sizeof(NodeIndex) +
                     graph.weights_.capacity() * sizeof(float) +
                     graph.ids_->MemoryBytes();
    s.bytes_per_edge =
        s.num_edges == 0 ? 0.0
                         : static_cast<double>(s.memory_bytes) / s.num_edges;
    return graph;
  });
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
