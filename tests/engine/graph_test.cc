// Tests for NodeIdIndex and CsrGraph::Build: id mapping on both lookup
// paths, sorted adjacency, the edge merging rules, statistics, determinism
// across thread counts (against a slow std::map reference) and the exact
// error messages for bad input.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <oneapi/tbb/global_control.h>

#include "gtest/gtest.h"
#include "n2v/graph.h"
#include "n2v/node_id_index.h"
#include "n2v/random.h"
#include "test_util.h"

namespace n2v {
namespace {

using ::n2v::testing::BuildOrDie;
using ::n2v::testing::Message;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Out-arcs of the node with original id `id`, as (original id, weight).
std::vector<std::pair<int64_t, float>> Arcs(const CsrGraph& g, int64_t id) {
  std::vector<std::pair<int64_t, float>> arcs;
  const auto v = g.ids().Find(id);
  EXPECT_TRUE(v.has_value()) << "no node " << id;
  if (!v) return arcs;
  const auto nbrs = g.out_neighbors(*v);
  const auto weights = g.out_weights(*v);
  for (size_t i = 0; i < nbrs.size(); ++i) {
    arcs.emplace_back(g.original_id(nbrs[i]),
                      weights.empty() ? 1.0f : weights[i]);
  }
  return arcs;
}

using ArcList = std::vector<std::pair<int64_t, float>>;

// ---------------------------------------------------------------- ids

struct IdCase {
  std::string name;
  std::vector<int64_t> ids;
};

TEST(NodeIdIndexTest, FindsEveryIdAndNothingElse) {
  const std::vector<IdCase> cases = {
      {"dense_zero_based", {0, 1, 2, 3, 4, 5}},
      {"dense_one_based_unsorted", {5, 3, 1, 2, 4}},
      {"small_gaps", {10, 12, 14, 100}},
      {"negative", {-5, -3, 0, 2, 7}},
      {"sparse_huge", {int64_t{1} << 40, int64_t{1} << 62, 3, 77777777777}},
      {"extremes", {kMin, kMax, 0, -1, 1}},
      {"negative_huge", {kMin + 1, -(int64_t{1} << 50), -2}},
      {"single", {42}},
      {"single_min", {kMin}},
  };
  for (const IdCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<NodeIdIndex> index = NodeIdIndex::Create(c.ids);
    ASSERT_TRUE(index.ok()) << index.status();
    ASSERT_EQ(index->size(), c.ids.size());
    EXPECT_GT(index->MemoryBytes(), 0u);
    for (size_t i = 0; i < c.ids.size(); ++i) {
      EXPECT_EQ(index->id(i), c.ids[i]);
      ASSERT_TRUE(index->Find(c.ids[i]).has_value()) << c.ids[i];
      EXPECT_EQ(*index->Find(c.ids[i]), i);
    }
    // Probes around every id (with wrap-around at the extremes) that are not
    // in the set must be absent.
    for (int64_t id : c.ids) {
      for (int64_t delta : {-1, 1, 1000, -1000}) {
        const int64_t probe = static_cast<int64_t>(static_cast<uint64_t>(id) +
                                                   static_cast<uint64_t>(delta));
        if (std::find(c.ids.begin(), c.ids.end(), probe) != c.ids.end()) {
          continue;
        }
        EXPECT_FALSE(index->Find(probe).has_value()) << probe;
      }
    }
  }
}

TEST(NodeIdIndexTest, DenseIdsUseASmallTable) {
  // 100k contiguous ids: a direct table costs 4 bytes per id on top of the
  // 8-byte id array; a hash map would cost well over 12.
  std::vector<int64_t> ids(100000);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = 1 + static_cast<int64_t>(i);
  absl::StatusOr<NodeIdIndex> index = NodeIdIndex::Create(ids);
  ASSERT_TRUE(index.ok());
  EXPECT_LE(index->MemoryBytes(), ids.size() * 12 + 8192);
  EXPECT_FALSE(index->Find(0).has_value());
  EXPECT_FALSE(index->Find(100001).has_value());
  EXPECT_EQ(*index->Find(50000), 49999u);
}

TEST(NodeIdIndexTest, RepeatedIdIsNamed) {
  const std::vector<std::pair<std::vector<int64_t>, std::string>> cases = {
      {{1, 2, 3, 2}, "node id 2 is repeated"},                      // direct
      {{kMin, 5, kMax, 5}, "node id 5 is repeated"},                // hashed
      {{-(int64_t{1} << 60), -(int64_t{1} << 60)},
       "node id -1152921504606846976 is repeated"},
  };
  for (const auto& [ids, message] : cases) {
    absl::StatusOr<NodeIdIndex> index = NodeIdIndex::Create(ids);
    ASSERT_FALSE(index.ok());
    EXPECT_EQ(index.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(index.status()), message);
  }
}

TEST(GraphBuildTest, ArbitraryIdsAreDenseInAscendingOrder) {
  const std::vector<IdCase> cases = {
      {"dense", {3, 1, 2, 4}},
      {"negative", {-3, 7, -100, 0}},
      {"huge_sparse", {int64_t{1} << 62, 5, 123456789012345, -(int64_t{1} << 55)}},
      {"extremes", {kMax, kMin, 0, 17}},
  };
  for (const IdCase& c : cases) {
    SCOPED_TRACE(c.name);
    // A path through the ids in the given order.
    EdgeList edges;
    for (size_t i = 0; i + 1 < c.ids.size(); ++i) {
      edges.sources.push_back(c.ids[i]);
      edges.targets.push_back(c.ids[i + 1]);
    }
    const CsrGraph g = BuildOrDie(std::move(edges), /*directed=*/false);
    std::vector<int64_t> sorted = c.ids;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(g.num_nodes(), sorted.size());
    for (NodeIndex v = 0; v < g.num_nodes(); ++v) {
      EXPECT_EQ(g.original_id(v), sorted[v]);
      EXPECT_EQ(*g.ids().Find(sorted[v]), v);
    }
    for (size_t i = 0; i + 1 < c.ids.size(); ++i) {
      const NodeIndex a = *g.ids().Find(c.ids[i]);
      const NodeIndex b = *g.ids().Find(c.ids[i + 1]);
      EXPECT_TRUE(g.HasArc(a, b));
      EXPECT_TRUE(g.HasArc(b, a));
    }
  }
}

// ---------------------------------------------------------------- structure

TEST(GraphBuildTest, AdjacencyIsSortedByDenseId) {
  EdgeList edges;
  edges.sources = {5, 5, 5, 5, 1, 9};
  edges.targets = {9, 1, 7, 3, 3, 7};
  const CsrGraph g = BuildOrDie(std::move(edges), /*directed=*/true);
  EXPECT_EQ(Arcs(g, 5), (ArcList{{1, 1}, {3, 1}, {7, 1}, {9, 1}}));
  EXPECT_EQ(Arcs(g, 1), (ArcList{{3, 1}}));
  EXPECT_EQ(Arcs(g, 9), (ArcList{{7, 1}}));
  EXPECT_EQ(Arcs(g, 3), ArcList{});
  for (NodeIndex v = 0; v < g.num_nodes(); ++v) {
    const auto nbrs = g.out_neighbors(v);
    EXPECT_TRUE(std::adjacent_find(nbrs.begin(), nbrs.end(),
                                   std::greater_equal<NodeIndex>()) ==
                nbrs.end());
  }
}

TEST(GraphBuildTest, UndirectedStoresBothDirectionsDirectedOne) {
  for (bool directed : {false, true}) {
    SCOPED_TRACE(directed ? "directed" : "undirected");
    EdgeList edges;
    edges.sources = {1, 2};
    edges.targets = {2, 3};
    edges.weights = {0.5f, 2.0f};
    const CsrGraph g = BuildOrDie(std::move(edges), directed);
    EXPECT_EQ(g.directed(), directed);
    EXPECT_TRUE(g.weighted());
    EXPECT_EQ(Arcs(g, 1), (ArcList{{2, 0.5f}}));
    if (directed) {
      EXPECT_EQ(Arcs(g, 2), (ArcList{{3, 2.0f}}));
      EXPECT_EQ(Arcs(g, 3), ArcList{});
      EXPECT_EQ(g.num_arcs(), 2u);
      EXPECT_EQ(g.stats().num_edges, 2u);
    } else {
      EXPECT_EQ(Arcs(g, 2), (ArcList{{1, 0.5f}, {3, 2.0f}}));
      EXPECT_EQ(Arcs(g, 3), (ArcList{{2, 2.0f}}));
      EXPECT_EQ(g.num_arcs(), 4u);
      EXPECT_EQ(g.stats().num_edges, 2u);
    }
  }
}

TEST(GraphBuildTest, SelfLoopIsStoredOnce) {
  for (bool directed : {false, true}) {
    SCOPED_TRACE(directed ? "directed" : "undirected");
    EdgeList edges;
    edges.sources = {4, 4};
    edges.targets = {4, 5};
    const CsrGraph g = BuildOrDie(std::move(edges), directed);
    EXPECT_EQ(Arcs(g, 4), (ArcList{{4, 1}, {5, 1}}));
    EXPECT_EQ(g.stats().self_loops, 1u);
    EXPECT_EQ(g.stats().num_edges, 2u);
    EXPECT_EQ(g.num_arcs(), directed ? 2u : 3u);
    EXPECT_EQ(g.out_weight_sum(*g.ids().Find(4)), 2.0);
  }
}

struct MergeCase {
  std::string name;
  bool directed;
  std::vector<int64_t> sources, targets;
  std::vector<float> weights;
  std::map<int64_t, ArcList> expected;  // by node
  uint64_t num_edges, merged_duplicates, self_loops;
};

TEST(GraphBuildTest, ParallelEdgesMerge) {
  const std::vector<MergeCase> cases = {
      {"weighted_undirected_sums_both_orientations", false,
       {1, 1, 2}, {2, 2, 1}, {0.5f, 0.25f, 1.0f},
       {{1, {{2, 1.75f}}}, {2, {{1, 1.75f}}}}, 1, 2, 0},
      {"weighted_directed_keeps_orientations_apart", true,
       {1, 1, 2}, {2, 2, 1}, {0.5f, 0.25f, 1.0f},
       {{1, {{2, 0.75f}}}, {2, {{1, 1.0f}}}}, 2, 1, 0},
      {"unweighted_undirected_collapses_to_one", false,
       {1, 2, 1, 1}, {2, 1, 2, 3}, {},
       {{1, {{2, 1}, {3, 1}}}, {2, {{1, 1}}}, {3, {{1, 1}}}}, 2, 2, 0},
      {"unweighted_directed_collapses_to_one", true,
       {1, 1, 2}, {2, 2, 1}, {},
       {{1, {{2, 1}}}, {2, {{1, 1}}}}, 2, 1, 0},
      {"weighted_self_loops_sum", false,
       {4, 4, 4}, {4, 4, 5}, {1.0f, 2.0f, 0.5f},
       {{4, {{4, 3.0f}, {5, 0.5f}}}, {5, {{4, 0.5f}}}}, 2, 1, 1},
      {"unweighted_self_loops_collapse", true,
       {4, 4, 4}, {4, 4, 4}, {},
       {{4, {{4, 1}}}}, 1, 2, 1},
  };
  for (const MergeCase& c : cases) {
    SCOPED_TRACE(c.name);
    EdgeList edges;
    edges.sources = c.sources;
    edges.targets = c.targets;
    edges.weights = c.weights;
    const CsrGraph g = BuildOrDie(std::move(edges), c.directed);
    EXPECT_EQ(g.weighted(), !c.weights.empty());
    for (const auto& [node, arcs] : c.expected) {
      EXPECT_EQ(Arcs(g, node), arcs) << "node " << node;
    }
    EXPECT_EQ(g.stats().input_edges, c.sources.size());
    EXPECT_EQ(g.stats().num_edges, c.num_edges);
    EXPECT_EQ(g.stats().merged_duplicates, c.merged_duplicates);
    EXPECT_EQ(g.stats().self_loops, c.self_loops);
  }
}

TEST(GraphBuildTest, StatsCountNodesEdgesArcsAndIsolatedNodes) {
  EdgeList edges;
  // A triangle, a duplicate, a self-loop; nodes 9 and 10 only in the list,
  // which also repeats ids that have edges.
  edges.sources = {1, 2, 3, 3, 2};
  edges.targets = {2, 3, 1, 3, 1};
  edges.nodes = {1, 9, 10, 10, 3};
  const CsrGraph g = BuildOrDie(std::move(edges), /*directed=*/false);
  const GraphStats& s = g.stats();
  EXPECT_EQ(s.num_nodes, 5u);
  EXPECT_EQ(g.num_nodes(), 5u);
  EXPECT_EQ(s.input_edges, 5u);
  EXPECT_EQ(s.num_edges, 4u);
  EXPECT_EQ(s.num_arcs, 7u);
  EXPECT_EQ(g.num_arcs(), 7u);
  EXPECT_EQ(s.self_loops, 1u);
  EXPECT_EQ(s.merged_duplicates, 1u);
  EXPECT_EQ(s.isolated_nodes, 2u);
  EXPECT_GT(s.memory_bytes, 0u);
  EXPECT_DOUBLE_EQ(s.bytes_per_edge, static_cast<double>(s.memory_bytes) / 4);
  EXPECT_EQ(g.out_degree(*g.ids().Find(9)), 0u);
  EXPECT_EQ(g.out_degree(*g.ids().Find(10)), 0u);
}

TEST(GraphBuildTest, DirectedSinkIsNotIsolated) {
  EdgeList edges;
  edges.sources = {1};
  edges.targets = {2};
  edges.nodes = {3};
  const CsrGraph g = BuildOrDie(std::move(edges), /*directed=*/true);
  EXPECT_EQ(g.stats().isolated_nodes, 1u);  // node 3 only
  EXPECT_EQ(g.out_degree(*g.ids().Find(2)), 0u);
}

TEST(GraphBuildTest, EmptyAndNodeOnlyGraphs) {
  const CsrGraph empty = BuildOrDie(EdgeList{}, /*directed=*/false);
  EXPECT_EQ(empty.num_nodes(), 0u);
  EXPECT_EQ(empty.num_arcs(), 0u);
  EXPECT_EQ(empty.stats().num_edges, 0u);
  EXPECT_EQ(empty.stats().bytes_per_edge, 0.0);

  EdgeList nodes_only;
  nodes_only.nodes = {7, -7};
  const CsrGraph g = BuildOrDie(std::move(nodes_only), /*directed=*/true);
  EXPECT_EQ(g.num_nodes(), 2u);
  EXPECT_EQ(g.stats().isolated_nodes, 2u);
  EXPECT_EQ(g.original_id(0), -7);
}

TEST(GraphBuildTest, HasArcAndArcWeight) {
  EdgeList edges;
  edges.sources = {10, 10, 20};
  edges.targets = {20, 30, 30};
  edges.weights = {1.5f, 2.5f, 4.0f};
  edges.nodes = {40};
  const CsrGraph g = BuildOrDie(std::move(edges), /*directed=*/true);
  const NodeIndex a = *g.ids().Find(10), b = *g.ids().Find(20),
                  c = *g.ids().Find(30), d = *g.ids().Find(40);
  EXPECT_TRUE(g.HasArc(a, b));
  EXPECT_TRUE(g.HasArc(a, c));
  EXPECT_TRUE(g.HasArc(b, c));
  EXPECT_FALSE(g.HasArc(b, a));
  EXPECT_FALSE(g.HasArc(c, a));
  EXPECT_FALSE(g.HasArc(a, a));
  EXPECT_FALSE(g.HasArc(d, a));
  EXPECT_FLOAT_EQ(g.ArcWeight(a, b), 1.5f);
  EXPECT_FLOAT_EQ(g.ArcWeight(a, c), 2.5f);
  EXPECT_FLOAT_EQ(g.ArcWeight(b, c), 4.0f);
  EXPECT_EQ(g.ArcWeight(b, a), 0.0f);
  EXPECT_EQ(g.ArcWeight(d, a), 0.0f);
  EXPECT_DOUBLE_EQ(g.out_weight_sum(a), 4.0);
  EXPECT_DOUBLE_EQ(g.out_weight_sum(c), 0.0);
}

// ------------------------------------------------- reference and threading

// A random multigraph with duplicates, reversed duplicates and self-loops,
// big enough that every parallel loop of the build splits into many chunks.
EdgeList RandomEdges(uint64_t seed, size_t num_edges, uint32_t num_nodes,
                     bool sparse_ids, bool weighted) {
  Rng rng(seed);
  EdgeList edges;
  auto id = [&](uint32_t k) -> int64_t {
    return sparse_ids ? static_cast<int64_t>(Mix64(k)) : int64_t{k} - 100;
  };
  for (size_t i = 0; i < num_edges; ++i) {
    // A skewed source law so some nodes collect long, duplicate-heavy lists.
    const uint32_t u = rng.Below(1 + rng.Below(num_nodes));
    const uint32_t v = rng.Below(num_nodes);
    edges.sources.push_back(id(u));
    edges.targets.push_back(id(v));
    if (weighted) edges.weights.push_back(0.25f + rng.UniformFloat() * 7.0f);
  }
  for (uint32_t k = num_nodes; k < num_nodes + 50; ++k) edges.nodes.push_back(id(k));
  return edges;
}

// Slow reference: a std::map from (from, to) to the list of merged weights,
// summed smallest first in double as the documented determinism rule says.
std::map<int64_t, ArcList> ReferenceAdjacency(const EdgeList& edges,
                                              bool directed) {
  std::map<int64_t, std::map<int64_t, std::vector<float>>> raw;
  for (size_t i = 0; i < edges.sources.size(); ++i) {
    const float w = edges.weights.empty() ? 1.0f : edges.weights[i];
    const int64_t u = edges.sources[i], v = edges.targets[i];
    raw[u][v].push_back(w);
    if (!directed && u != v) raw[v][u].push_back(w);
    raw[v];
  }
  for (int64_t id : edges.nodes) raw[id];
  std::map<int64_t, ArcList> adjacency;
  for (auto& [u, targets] : raw) {
    ArcList& arcs = adjacency[u];
    for (auto& [v, weights] : targets) {
      std::sort(weights.begin(), weights.end());
      double sum = 0;
      for (float w : weights) sum += w;
      arcs.emplace_back(v, edges.weights.empty() ? 1.0f : static_cast<float>(sum));
    }
  }
  return adjacency;
}

struct Snapshot {
  std::vector<int64_t> ids;
  std::vector<uint32_t> degrees;
  std::vector<NodeIndex> targets;
  std::vector<float> weights;
  GraphStats stats;
};

Snapshot TakeSnapshot(const CsrGraph& g) {
  Snapshot s;
  s.stats = g.stats();
  for (NodeIndex v = 0; v < g.num_nodes(); ++v) {
    s.ids.push_back(g.original_id(v));
    s.degrees.push_back(g.out_degree(v));
    for (NodeIndex x : g.out_neighbors(v)) s.targets.push_back(x);
    for (float w : g.out_weights(v)) s.weights.push_back(w);
  }
  return s;
}

TEST(GraphBuildTest, MatchesReferenceAndIgnoresThreadCount) {
  // Let 8 threads really run even where the core count is lower.
  const tbb::global_control allow(
      tbb::global_control::max_allowed_parallelism, 8);
  for (bool sparse_ids : {false, true}) {
    for (bool weighted : {false, true}) {
      for (bool directed : {false, true}) {
        SCOPED_TRACE(::testing::Message()
                     << "sparse_ids=" << sparse_ids << " weighted=" << weighted
                     << " directed=" << directed);
        const EdgeList edges =
            RandomEdges(/*seed=*/17, /*num_edges=*/60000, /*num_nodes=*/3000,
                        sparse_ids, weighted);
        const auto reference = ReferenceAdjacency(edges, directed);
        const CsrGraph g1 = BuildOrDie(edges, directed, /*num_threads=*/1);
        ASSERT_EQ(g1.num_nodes(), reference.size());
        uint64_t arcs = 0;
        for (const auto& [id, expected] : reference) {
          ASSERT_EQ(Arcs(g1, id), expected) << "node " << id;
          arcs += expected.size();
        }
        EXPECT_EQ(g1.num_arcs(), arcs);
        EXPECT_EQ(g1.stats().isolated_nodes, 50u);

        const Snapshot s1 = TakeSnapshot(g1);
        for (int threads : {2, 8}) {
          const Snapshot s = TakeSnapshot(BuildOrDie(edges, directed, threads));
          EXPECT_EQ(s.ids, s1.ids) << threads << " threads";
          EXPECT_EQ(s.degrees, s1.degrees) << threads << " threads";
          EXPECT_EQ(s.targets, s1.targets) << threads << " threads";
          // Bitwise, not approximately: merged sums must not depend on order.
          ASSERT_EQ(s.weights.size(), s1.weights.size());
          EXPECT_EQ(0, std::memcmp(s.weights.data(), s1.weights.data(),
                                   s.weights.size() * sizeof(float)))
              << threads << " threads";
          EXPECT_EQ(s.stats.num_edges, s1.stats.num_edges);
          EXPECT_EQ(s.stats.self_loops, s1.stats.self_loops);
          EXPECT_EQ(s.stats.merged_duplicates, s1.stats.merged_duplicates);
          EXPECT_EQ(s.stats.isolated_nodes, s1.stats.isolated_nodes);
        }
        EXPECT_EQ(g1.stats().num_edges + g1.stats().merged_duplicates,
                  edges.sources.size());
      }
    }
  }
}

// ---------------------------------------------------------------- errors

struct BadInputCase {
  std::string name;
  std::vector<int64_t> sources, targets;
  std::vector<float> weights;
  bool directed;
  std::string message;
};

TEST(GraphBuildTest, BadInputIsInvalidArgumentWithExactMessage) {
  const float kNaN = std::numeric_limits<float>::quiet_NaN();
  const float kInf = std::numeric_limits<float>::infinity();
  const std::vector<BadInputCase> cases = {
      {"fewer_targets", {1, 2, 3}, {2, 3}, {}, false,
       "edge columns differ in length: 3 sources, 2 targets"},
      {"more_targets", {1}, {2, 3}, {}, false,
       "edge columns differ in length: 1 sources, 2 targets"},
      {"fewer_weights", {1, 2, 3}, {2, 3, 4}, {1, 1}, false,
       "edge columns differ in length: 3 sources, 2 weights"},
      {"negative_weight", {1, 3, 5}, {2, 4, 7}, {1, 1, -1}, false,
       "edge 2 (5 -> 7): weight must be finite and > 0, got -1"},
      {"zero_weight", {1, 3}, {2, 4}, {0, 1}, true,
       "edge 0 (1 -> 2): weight must be finite and > 0, got 0"},
      {"nan_weight", {1, 3}, {2, -4}, {1, kNaN}, false,
       "edge 1 (3 -> -4): weight must be finite and > 0, got nan"},
      {"inf_weight", {kMax, 3}, {2, 4}, {kInf, 1}, false,
       "edge 0 (9223372036854775807 -> 2): weight must be finite and > 0, "
       "got inf"},
      {"minus_inf_weight", {1, 3}, {2, 4}, {1, -kInf}, false,
       "edge 1 (3 -> 4): weight must be finite and > 0, got -inf"},
      {"first_bad_edge_is_named", {1, 2, 3, 4}, {2, 3, 4, 5},
       {1, -0.5f, 1, -2}, false,
       "edge 1 (2 -> 3): weight must be finite and > 0, got -0.5"},
      {"merged_weights_overflow_directed", {1, 1}, {2, 2}, {3e38f, 3e38f},
       true, "merged parallel edges of node 1 sum to a weight that overflows "
             "float"},
      {"merged_weights_overflow_undirected", {7, 8}, {8, 7}, {3e38f, 3e38f},
       false, "merged parallel edges of node 7 sum to a weight that overflows "
              "float"},
  };
  for (const BadInputCase& c : cases) {
    SCOPED_TRACE(c.name);
    EdgeList edges;
    edges.sources = c.sources;
    edges.targets = c.targets;
    edges.weights = c.weights;
    GraphBuildOptions options;
    options.directed = c.directed;
    absl::StatusOr<CsrGraph> g = CsrGraph::Build(std::move(edges), options);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(g.status()), c.message);
  }
}

// Regression: with several overflowing nodes the message named whichever
// node a worker thread stored last; it must name the same node every time.
TEST(GraphBuildTest, OverflowMessageIsDeterministic) {
  const tbb::global_control allow(
      tbb::global_control::max_allowed_parallelism, 8);
  EdgeList edges;
  for (int64_t u = 0; u < 20000; u += 2) {
    edges.sources.insert(edges.sources.end(), {u, u});
    edges.targets.insert(edges.targets.end(), {u + 1, u + 1});
    edges.weights.insert(edges.weights.end(), {3e38f, 3e38f});
  }
  for (int threads : {1, 2, 8}) {
    GraphBuildOptions options;
    options.num_threads = threads;
    absl::StatusOr<CsrGraph> g = CsrGraph::Build(edges, options);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(Message(g.status()),
              "merged parallel edges of node 0 sum to a weight that overflows "
              "float")
        << threads << " threads";
  }
}

}  // namespace
}  // namespace n2v
