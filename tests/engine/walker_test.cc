// Statistical tests of the exact node2vec walker against a slow reference
// written straight from the transition formula, plus the walker's edge cases
// (first step, dead ends, isolated nodes, parameter validation), the alias
// tables it samples first-order steps from, and the walk start order.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "internal/alias_table.h"
#include "internal/walk_order.h"
#include "n2v/graph.h"
#include "n2v/random.h"
#include "n2v/walker.h"
#include "test_util.h"

namespace n2v {
namespace {

using ::n2v::testing::BuildOrDie;
using ::n2v::testing::ChiSquare;
using ::n2v::testing::ChiSquareTest;
using ::n2v::testing::Message;

// ------------------------------------------------------------ the reference

// w(v, x) by linear scan; 0 when there is no arc.
double RefWeight(const CsrGraph& g, NodeIndex v, NodeIndex x) {
  const auto nbrs = g.out_neighbors(v);
  for (size_t i = 0; i < nbrs.size(); ++i) {
    if (nbrs[i] == x) return g.weighted() ? g.out_weights(v)[i] : 1.0;
  }
  return 0;
}

// The exact law of the node after v when the walk came from t (kNoNode for
// the first step), indexed by node: prob(x) is proportional to
// alpha(t, x) * w(v, x), alpha = 1/p if x == t, 1 if the arc t -> x exists,
// 1/q otherwise. Empty when v has no out-arcs.
std::vector<double> ExactStep(const CsrGraph& g, double p, double q,
                              NodeIndex t, NodeIndex v) {
  std::vector<double> probs(g.num_nodes(), 0.0);
  double total = 0;
  for (NodeIndex x = 0; x < g.num_nodes(); ++x) {
    const double w = RefWeight(g, v, x);
    if (w == 0) continue;
    double alpha = 1;
    if (t != kNoNode) {
      if (x == t) {
        alpha = 1 / p;
      } else if (RefWeight(g, t, x) > 0) {
        alpha = 1;
      } else {
        alpha = 1 / q;
      }
    }
    probs[x] = alpha * w;
    total += probs[x];
  }
  if (total == 0) return {};
  for (double& prob : probs) prob /= total;
  return probs;
}

// Exact law of walk position k (0-based) for walks from `start`, for every
// k < walk_length: entry [k][x] is P(position k holds x), and the extra last
// entry [k][n] is P(the walk ended before position k). Dynamic programming
// over (previous, current) states with ExactStep.
std::vector<std::vector<double>> ExactPositions(const CsrGraph& g, double p,
                                                double q, NodeIndex start,
                                                uint32_t walk_length) {
  const NodeIndex n = g.num_nodes();
  std::vector<std::vector<double>> positions(walk_length,
                                             std::vector<double>(n + 1, 0.0));
  std::map<std::pair<NodeIndex, NodeIndex>, double> states{
      {{kNoNode, start}, 1.0}};
  positions[0][start] = 1;
  double ended = 0;
  for (uint32_t k = 1; k < walk_length; ++k) {
    std::map<std::pair<NodeIndex, NodeIndex>, double> next;
    for (const auto& [state, mass] : states) {
      const std::vector<double> step = ExactStep(g, p, q, state.first, state.second);
      if (step.empty()) {
        ended += mass;
        continue;
      }
      for (NodeIndex x = 0; x < n; ++x) {
        if (step[x] > 0) next[{state.second, x}] += mass * step[x];
      }
    }
    states = std::move(next);
    for (const auto& [state, mass] : states) positions[k][state.second] += mass;
    positions[k][n] = ended;
  }
  return positions;
}

// ------------------------------------------------------------ test graphs

struct TestGraph {
  std::string name;
  CsrGraph graph;
  NodeIndex walk_start;  // an interesting start for whole-walk tests
};

EdgeList Edges(std::vector<std::pair<int64_t, int64_t>> pairs,
               std::vector<float> weights) {
  EdgeList edges;
  for (const auto& [u, v] : pairs) {
    edges.sources.push_back(u);
    edges.targets.push_back(v);
  }
  edges.weights = std::move(weights);
  return edges;
}

// Two triangles (0,1,2) and (4,5,6) joined through 2-3-4 and 2-4, a
// self-loop at 3 and pendants 7 and 8: degrees 1 to 4.
const std::vector<std::pair<int64_t, int64_t>> kUndirectedEdges = {
    {0, 1}, {0, 2}, {1, 2}, {2, 3}, {3, 3}, {3, 4}, {4, 5},
    {5, 6}, {6, 4}, {2, 4}, {1, 7}, {5, 8}};
const std::vector<float> kUndirectedWeights = {1,   2, 3, 0.5, 2,    1,
                                               4,   1, 2, 1.5, 5, 0.25};

// Reciprocal and one-way arcs, a self-loop at 3 and a dead end at 5.
const std::vector<std::pair<int64_t, int64_t>> kDirectedArcs = {
    {0, 1}, {1, 0}, {1, 2}, {1, 3}, {2, 0}, {2, 3}, {3, 3},
    {3, 4}, {4, 5}, {4, 1}, {3, 1}, {0, 3}};
const std::vector<float> kDirectedWeights = {1, 2, 1, 2, 3, 1,
                                             1, 2, 1, 1, 0.5, 1};

std::vector<TestGraph> TestGraphs() {
  std::vector<TestGraph> graphs;
  graphs.push_back({"weighted_undirected",
                    BuildOrDie(Edges(kUndirectedEdges, kUndirectedWeights),
                               /*directed=*/false),
                    2});
  std::vector<std::pair<int64_t, int64_t>> unweighted = kUndirectedEdges;
  unweighted.push_back({0, 4});
  graphs.push_back({"unweighted_undirected",
                    BuildOrDie(Edges(unweighted, {}), /*directed=*/false), 4});
  graphs.push_back({"weighted_directed",
                    BuildOrDie(Edges(kDirectedArcs, kDirectedWeights),
                               /*directed=*/true),
                    1});
  graphs.push_back({"unweighted_directed",
                    BuildOrDie(Edges(kDirectedArcs, {}), /*directed=*/true),
                    0});
  return graphs;
}

struct PQ {
  double p, q;
};
const PQ kParams[] = {{0.05, 20}, {20, 0.05}, {0.25, 4},
                      {4, 0.25},  {1, 1},     {1, 0.5}};

Node2VecWalker MakeWalker(const CsrGraph& g, double p, double q,
                          uint32_t walk_length = 80) {
  absl::StatusOr<Node2VecWalker> walker =
      Node2VecWalker::Create(g, WalkParams{p, q, walk_length});
  EXPECT_TRUE(walker.ok()) << walker.status();
  return *std::move(walker);
}

// Walks of `walker` (the production path: WalkInterleaved, in batches)
// from `start`, each with its own Rng seeded from `seed` and its number;
// `visit` sees each walk and its length.
template <typename Visit>
void RunWalks(const Node2VecWalker& walker, NodeIndex start, uint64_t walks,
              uint64_t seed, Visit visit) {
  constexpr uint32_t kBatch = 32;
  const uint32_t length = walker.params().walk_length;
  std::vector<NodeIndex> nodes(size_t{kBatch} * length);
  std::vector<NodeIndex*> outs(kBatch);
  for (uint32_t b = 0; b < kBatch; ++b) outs[b] = nodes.data() + b * length;
  const std::vector<NodeIndex> starts(kBatch, start);
  std::vector<uint32_t> lengths(kBatch);
  std::vector<Rng> rngs(kBatch, Rng(0));
  for (uint64_t first = 0; first < walks; first += kBatch) {
    const uint32_t count =
        static_cast<uint32_t>(std::min<uint64_t>(kBatch, walks - first));
    for (uint32_t b = 0; b < count; ++b) rngs[b] = Rng(DeriveSeed(seed, 0, first + b));
    walker.WalkInterleaved({starts.data(), count}, rngs.data(), outs.data(),
                           lengths.data());
    for (uint32_t b = 0; b < count; ++b) visit(outs[b], lengths[b]);
  }
}

// For each state (t, v) with v an out-neighbour of t: how often each node
// followed v, in `walks` production walks t -> v -> x (length 3 from t).
std::map<NodeIndex, std::vector<uint64_t>> SampleStepsFrom(
    const CsrGraph& g, const Node2VecWalker& walker, NodeIndex t,
    uint64_t walks, uint64_t seed) {
  std::map<NodeIndex, std::vector<uint64_t>> after;
  RunWalks(walker, t, walks, seed, [&](const NodeIndex* walk, uint32_t length) {
    if (length < 3) return;
    auto& counts = after[walk[1]];
    if (counts.empty()) counts.assign(g.num_nodes(), 0);
    ++counts[walk[2]];
  });
  return after;
}

// Walks from t for about `samples` of them to go to v first.
uint64_t WalksForSamples(const CsrGraph& g, NodeIndex t, NodeIndex v,
                         uint64_t samples) {
  return static_cast<uint64_t>(samples / ExactStep(g, 1, 1, kNoNode, t)[v]) + 1;
}

// Walks from t for its least likely first step to get about `samples`
// (at most 10 times `samples` walks in all).
uint64_t WalksForSamples(const CsrGraph& g, NodeIndex t, uint64_t samples) {
  uint64_t walks = samples;
  for (NodeIndex v : g.out_neighbors(t)) {
    walks = std::max(walks, WalksForSamples(g, t, v, samples));
  }
  return std::min<uint64_t>(10 * samples, walks);
}

// ------------------------------------------------------------ step laws

// Every state (t, v) a walk can be in where v has a choice, sampled from
// production walks t -> v -> x. About 400 states are tested, so each is
// tested at 1e-6 (Bonferroni: the family's false-alarm rate stays near
// 4e-4); the least likely state of each t gets about 100k draws (at least
// 10k), which detects a shift of 0.01 in most probabilities.
TEST(WalkerStatisticalTest, SecondOrderStepMatchesExactLaw) {
  constexpr uint64_t kSamples = 100000;
  double worst = 0;
  int tests = 0;
  for (const TestGraph& tg : TestGraphs()) {
    const CsrGraph& g = tg.graph;
    for (const PQ& pq : kParams) {
      const Node2VecWalker walker = MakeWalker(g, pq.p, pq.q, /*walk_length=*/3);
      for (NodeIndex t = 0; t < g.num_nodes(); ++t) {
        if (g.out_degree(t) == 0) continue;
        const auto after = SampleStepsFrom(
            g, walker, t, WalksForSamples(g, t, kSamples), /*seed=*/1000 + t);
        for (NodeIndex v : g.out_neighbors(t)) {
          if (g.out_degree(v) < 2) continue;
          ASSERT_TRUE(after.contains(v)) << tg.name << " state (" << t << ", " << v << ")";
          const ChiSquare chi = ChiSquareTest(after.at(v), ExactStep(g, pq.p, pq.q, t, v),
                                              ::n2v::testing::kZ1e6);
          ++tests;
          worst = std::max(worst, chi.statistic / chi.critical);
          EXPECT_TRUE(chi.pass())
              << tg.name << " p=" << pq.p << " q=" << pq.q << " state ("
              << t << ", " << v << "): chi2=" << chi.statistic
              << " df=" << chi.df << " critical=" << chi.critical;
        }
      }
    }
  }
  std::cout << "[ stats    ] " << tests
            << " step tests; worst chi2/critical = " << worst << "\n";
}

TEST(WalkerStatisticalTest, FirstStepIsFirstOrderWeighted) {
  for (const TestGraph& tg : TestGraphs()) {
    const CsrGraph& g = tg.graph;
    // p and q must not matter for the first step.
    const Node2VecWalker walker = MakeWalker(g, 0.05, 20, /*walk_length=*/2);
    for (NodeIndex v = 0; v < g.num_nodes(); ++v) {
      if (g.out_degree(v) < 2) continue;
      std::vector<uint64_t> counts(g.num_nodes(), 0);
      RunWalks(walker, v, 100000, /*seed=*/v + 1,
               [&](const NodeIndex* walk, uint32_t length) {
                 ASSERT_EQ(length, 2u);
                 ++counts[walk[1]];
               });
      const ChiSquare chi = ChiSquareTest(counts, ExactStep(g, 1, 1, kNoNode, v));
      EXPECT_TRUE(chi.pass()) << tg.name << " node " << v
                              << ": chi2=" << chi.statistic
                              << " critical=" << chi.critical;
    }
  }
}

// A hub H = 0 with kLeaves neighbours (more than the 256 arcs above which
// WalkInterleaved searches t's list a level per turn); leaf i is joined to
// leaves i - 1 and i + 1 (a ring; both are H's neighbours too) and to a
// private node P_i (not H's). Every state (H, leaf) is alike, so from
// walks H -> leaf -> x the next node falls in three classes: back to H
// (alpha = 1/p), along the ring (alpha = 1) and out to P_i (alpha = 1/q).
constexpr int64_t kLeaves = 400;

enum StepClass { kBack = 0, kRing = 1, kOut = 2 };

CsrGraph HubGraph(bool directed, bool weighted) {
  EdgeList edges;
  auto add = [&](int64_t u, int64_t v, float w) {
    edges.sources.push_back(u);
    edges.targets.push_back(v);
    if (weighted) edges.weights.push_back(w);
  };
  for (int64_t i = 1; i <= kLeaves; ++i) {
    const int64_t next = i % kLeaves + 1;
    const int64_t mine = kLeaves + i;
    add(0, i, 2);
    add(i, next, 1);
    add(i, mine, 3);
    if (directed) {
      // The reverse arcs, so that every leaf still has all three classes.
      add(i, 0, 2);
      add(next, i, 1);
      add(mine, i, 3);
    }
  }
  return BuildOrDie(std::move(edges), directed);
}

StepClass ClassOf(NodeIndex hub, NodeIndex x, const CsrGraph& g) {
  if (x == hub) return kBack;
  return g.HasArc(hub, x) ? kRing : kOut;
}

TEST(WalkerStatisticalTest, HubStepsMatchExactLaw) {
  constexpr uint64_t kWalks = 200000;
  for (bool directed : {false, true}) {
    for (bool weighted : {false, true}) {
      const CsrGraph g = HubGraph(directed, weighted);
      const NodeIndex hub = *g.ids().Find(0);
      ASSERT_GT(g.out_degree(hub), 256u);
      for (const PQ pq : {PQ{0.05, 0.05}, PQ{0.25, 0.05}}) {
        SCOPED_TRACE(std::string(directed ? "directed" : "undirected") +
                     (weighted ? " weighted" : " unweighted") +
                     " p=" + std::to_string(pq.p));
        // The exact class law, from the state (H, leaf 1).
        const NodeIndex leaf = *g.ids().Find(1);
        const std::vector<double> exact_step = ExactStep(g, pq.p, pq.q, hub, leaf);
        std::vector<double> exact(3, 0.0);
        for (NodeIndex x = 0; x < g.num_nodes(); ++x) {
          exact[ClassOf(hub, x, g)] += exact_step[x];
        }
        const Node2VecWalker walker = MakeWalker(g, pq.p, pq.q, /*walk_length=*/3);
        std::vector<uint64_t> counts(3, 0);
        RunWalks(walker, hub, kWalks, /*seed=*/7,
                 [&](const NodeIndex* walk, uint32_t length) {
                   ASSERT_EQ(length, 3u);
                   ++counts[ClassOf(hub, walk[2], g)];
                 });
        const ChiSquare chi = ChiSquareTest(counts, exact, ::n2v::testing::kZ1e6);
        EXPECT_TRUE(chi.pass()) << "back/ring/out " << counts[kBack] << "/"
                                << counts[kRing] << "/" << counts[kOut]
                                << " expected " << exact[kBack] << "/"
                                << exact[kRing] << "/" << exact[kOut]
                                << ": chi2=" << chi.statistic
                                << " critical=" << chi.critical;
      }
    }
  }
}

// Positions 1..4 of whole walks from a fixed start, including the chance of
// having ended at a dead end, against the dynamic-programming law. Position
// 2 is the two-step marginal; later positions check that Walk carries the
// previous arc's weight along correctly. 96 tests, each at 1e-6.
TEST(WalkerStatisticalTest, WalkPositionsMatchExactLaw) {
  constexpr int kWalks = 100000;
  constexpr uint32_t kLength = 5;
  double worst = 0;
  for (const TestGraph& tg : TestGraphs()) {
    const CsrGraph& g = tg.graph;
    const NodeIndex n = g.num_nodes();
    for (const PQ& pq : kParams) {
      const Node2VecWalker walker = MakeWalker(g, pq.p, pq.q, kLength);
      const auto exact = ExactPositions(g, pq.p, pq.q, tg.walk_start, kLength);
      std::vector<std::vector<uint64_t>> counts(kLength,
                                                std::vector<uint64_t>(n + 1, 0));
      Rng rng(Mix64(static_cast<uint64_t>(pq.p * 1000 + pq.q)));
      std::vector<NodeIndex> walk(kLength);
      for (int i = 0; i < kWalks; ++i) {
        const uint32_t length = walker.Walk(tg.walk_start, rng, walk.data());
        ASSERT_GE(length, 1u);
        ASSERT_LE(length, kLength);
        for (uint32_t k = 0; k < kLength; ++k) {
          ++counts[k][k < length ? walk[k] : n];
        }
        // A walk only stops early at a node without out-arcs.
        if (length < kLength) {
          ASSERT_EQ(g.out_degree(walk[length - 1]), 0u) << tg.name;
        }
        for (uint32_t k = 1; k < length; ++k) {
          ASSERT_TRUE(g.HasArc(walk[k - 1], walk[k])) << tg.name;
        }
      }
      for (uint32_t k = 1; k < kLength; ++k) {
        const ChiSquare chi =
            ChiSquareTest(counts[k], exact[k], ::n2v::testing::kZ1e6);
        worst = std::max(worst, chi.statistic / chi.critical);
        EXPECT_TRUE(chi.pass())
            << tg.name << " p=" << pq.p << " q=" << pq.q << " position " << k
            << ": chi2=" << chi.statistic << " df=" << chi.df
            << " critical=" << chi.critical;
      }
    }
  }
  std::cout << "[ stats    ] walk positions: worst chi2/critical = " << worst
            << "\n";
}

// A sampler that gives up after `max_tries` proposals and falls back to a
// first-order step, as some implementations do. Not exact.
NodeIndex GiveUpStep(const CsrGraph& g, double p, double q, NodeIndex t,
                     NodeIndex v, Rng& rng, int max_tries) {
  const auto nbrs = g.out_neighbors(v);
  const auto weights = g.out_weights(v);
  double total = 0;
  for (size_t i = 0; i < nbrs.size(); ++i) total += weights.empty() ? 1 : weights[i];
  auto first_order = [&] {
    double u = rng.Uniform() * total;
    for (size_t i = 0; i < nbrs.size(); ++i) {
      u -= weights.empty() ? 1 : weights[i];
      if (u < 0) return nbrs[i];
    }
    return nbrs.back();
  };
  const double envelope = std::max({1.0, 1 / p, 1 / q});
  for (int tries = 0; tries < max_tries; ++tries) {
    const NodeIndex x = first_order();
    const double alpha = x == t ? 1 / p : g.HasArc(t, x) ? 1 : 1 / q;
    if (rng.Uniform() * envelope < alpha) return x;
  }
  return first_order();
}

struct LowAcceptanceCase {
  std::string name;
  EdgeList edges;
  double p, q;
  int samples;
};

// Where acceptance is low, a capped sampler is visibly biased; the walker
// must pass the same test the capped sampler fails (which shows the test
// has the power to catch it).
TEST(WalkerStatisticalTest, ExactWhereCappedRejectionIsBiased) {
  std::vector<LowAcceptanceCase> cases;
  {
    // K5: from (0, 1) the return costs 1/p = 0.05, all else alpha = 1; with
    // q = 0.05 the envelope is 20, so about 1 proposal in 26 is accepted.
    std::vector<std::pair<int64_t, int64_t>> clique;
    for (int a = 0; a < 5; ++a) {
      for (int b = a + 1; b < 5; ++b) clique.push_back({a, b});
    }
    cases.push_back({"clique_k5", Edges(clique, {}), 20, 0.05, 400000});
  }
  // A heavy return edge (weight 100) that is nearly always proposed and
  // nearly always rejected.
  cases.push_back({"heavy_return_edge",
                   Edges({{0, 1}, {1, 2}, {1, 3}, {0, 2}, {0, 3}},
                         {100, 1, 1, 1, 1}),
                   20, 0.05, 200000});
  // A star centre reached from a leaf: every other leaf is outward
  // (alpha = 1/q = 20 with q = 0.05) except the return, which is heavy.
  cases.push_back({"star_heavy_return",
                   Edges({{0, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}},
                         {400, 1, 1, 1, 1}),
                   20, 0.05, 200000});
  for (LowAcceptanceCase& c : cases) {
    SCOPED_TRACE(c.name);
    const CsrGraph g = BuildOrDie(std::move(c.edges), /*directed=*/false);
    const NodeIndex t = 0, v = 1;
    const std::vector<double> exact = ExactStep(g, c.p, c.q, t, v);
    const Node2VecWalker walker = MakeWalker(g, c.p, c.q, /*walk_length=*/3);
    const auto after = SampleStepsFrom(
        g, walker, t, WalksForSamples(g, t, v, c.samples), /*seed=*/99);
    const ChiSquare engine = ChiSquareTest(after.at(v), exact);
    EXPECT_TRUE(engine.pass()) << "chi2=" << engine.statistic
                               << " critical=" << engine.critical;

    std::vector<uint64_t> capped_counts(g.num_nodes(), 0);
    Rng rng(99);
    for (int i = 0; i < c.samples; ++i) {
      ++capped_counts[GiveUpStep(g, c.p, c.q, t, v, rng, /*max_tries=*/100)];
    }
    const ChiSquare capped = ChiSquareTest(capped_counts, exact);
    EXPECT_FALSE(capped.pass()) << "the capped sampler should fail: chi2="
                                << capped.statistic;
    std::cout << "[ stats    ] " << c.name << ": walker chi2 "
              << engine.statistic << ", capped sampler chi2 "
              << capped.statistic << " (critical " << engine.critical
              << ")\n";
  }
}

// ------------------------------------------------------------ edge cases

TEST(WalkerTest, DirectedDeadEndEndsTheWalk) {
  // 0 -> 1 -> 2, and 2 has no out-arc.
  const CsrGraph g =
      BuildOrDie(Edges({{0, 1}, {1, 2}}, {}), /*directed=*/true);
  for (const PQ& pq : kParams) {
    const Node2VecWalker walker = MakeWalker(g, pq.p, pq.q, /*walk_length=*/10);
    Rng rng(5);
    std::vector<NodeIndex> walk(10, 77);
    ASSERT_EQ(walker.Walk(0, rng, walk.data()), 3u) << pq.p << " " << pq.q;
    EXPECT_EQ(walk[0], 0u);
    EXPECT_EQ(walk[1], 1u);
    EXPECT_EQ(walk[2], 2u);
    EXPECT_EQ(walker.Walk(2, rng, walk.data()), 1u);
    EXPECT_EQ(walk[0], 2u);
  }
}

TEST(WalkerTest, WalksEndAtNodesWithoutOutArcs) {
  EdgeList edges = Edges({{0, 1}, {1, 2}}, {2, 3});
  edges.nodes = {9};
  const CsrGraph g = BuildOrDie(std::move(edges), /*directed=*/true);
  const NodeIndex isolated = *g.ids().Find(9);
  for (const PQ& pq : kParams) {
    const Node2VecWalker walker = MakeWalker(g, pq.p, pq.q, /*walk_length=*/5);
    Rng rng(1);
    std::vector<NodeIndex> walk(5, 77);
    EXPECT_EQ(walker.Walk(2, rng, walk.data()), 1u);  // no out-arc at all
    EXPECT_EQ(walker.Walk(isolated, rng, walk.data()), 1u);
    ASSERT_EQ(walker.Walk(1, rng, walk.data()), 2u);  // first order, then none
    EXPECT_EQ(walk[1], 2u);
    ASSERT_EQ(walker.Walk(0, rng, walk.data()), 3u);  // second order, then none
    EXPECT_EQ(walk[2], 2u);
  }
}

TEST(WalkerTest, IsolatedNodeGivesOneNodeWalk) {
  for (bool directed : {false, true}) {
    EdgeList edges = Edges({{0, 1}, {1, 2}}, {});
    edges.nodes = {50};
    const CsrGraph g = BuildOrDie(std::move(edges), directed);
    const NodeIndex isolated = *g.ids().Find(50);
    for (const PQ& pq : kParams) {
      const Node2VecWalker walker = MakeWalker(g, pq.p, pq.q, 80);
      Rng rng(3);
      std::vector<NodeIndex> walk(80, 77);
      EXPECT_EQ(walker.Walk(isolated, rng, walk.data()), 1u);
      EXPECT_EQ(walk[0], isolated);
      EXPECT_EQ(walk[1], 77u);  // nothing written past the walk
    }
  }
}

TEST(WalkerTest, WalkLengthOneIsTheStartOnly) {
  const CsrGraph g = BuildOrDie(Edges(kUndirectedEdges, kUndirectedWeights),
                                /*directed=*/false);
  for (const PQ& pq : kParams) {
    const Node2VecWalker walker = MakeWalker(g, pq.p, pq.q, /*walk_length=*/1);
    Rng rng(3);
    NodeIndex walk[2] = {77, 77};
    EXPECT_EQ(walker.Walk(2, rng, walk), 1u);
    EXPECT_EQ(walk[0], 2u);
    EXPECT_EQ(walk[1], 77u);
  }
}

TEST(WalkerTest, WalksHaveFullLengthWithoutDeadEnds) {
  const CsrGraph g = BuildOrDie(Edges(kUndirectedEdges, kUndirectedWeights),
                                /*directed=*/false);
  for (const PQ& pq : kParams) {
    const Node2VecWalker walker = MakeWalker(g, pq.p, pq.q, /*walk_length=*/40);
    Rng rng(11);
    std::vector<NodeIndex> walk(40);
    for (NodeIndex start = 0; start < g.num_nodes(); ++start) {
      ASSERT_EQ(walker.Walk(start, rng, walk.data()), 40u);
      EXPECT_EQ(walk[0], start);
      for (int k = 1; k < 40; ++k) {
        ASSERT_TRUE(g.HasArc(walk[k - 1], walk[k]));
      }
    }
  }
}

TEST(WalkerTest, SameSeedSameWalk) {
  const CsrGraph g = BuildOrDie(Edges(kDirectedArcs, kDirectedWeights),
                                /*directed=*/true);
  const Node2VecWalker walker = MakeWalker(g, 0.25, 4, 30);
  std::vector<NodeIndex> a(30), b(30);
  Rng r1(42), r2(42);
  const uint32_t la = walker.Walk(0, r1, a.data());
  const uint32_t lb = walker.Walk(0, r2, b.data());
  ASSERT_EQ(la, lb);
  EXPECT_TRUE(std::equal(a.begin(), a.begin() + la, b.begin()));
}

// A random graph of `nodes` nodes and about 4 arcs per node, with
// isolated nodes and (directed) dead ends, weighted or not, and node 1 a
// hub with arcs to and from two thirds of the nodes (long arc lists are
// searched differently by WalkInterleaved).
CsrGraph RandomGraph(uint32_t nodes, bool directed, bool weighted,
                     uint64_t seed) {
  Rng rng(seed);
  EdgeList edges;
  for (uint32_t v = 2; v < nodes; ++v) {
    if (v % 3 == 0 || v % 7 == 3) continue;
    edges.sources.push_back(v % 2 == 0 ? 1 : v);
    edges.targets.push_back(v % 2 == 0 ? v : 1);
    if (weighted) edges.weights.push_back(0.1f + 5 * rng.UniformFloat());
  }
  for (uint32_t e = 0; e < 4 * nodes; ++e) {
    const int64_t u = rng.Below(nodes);
    const int64_t v = rng.Below(nodes);
    if (u % 7 == 3 || v % 7 == 3) continue;  // isolated, or no out-arcs
    edges.sources.push_back(u);
    edges.targets.push_back(directed && u % 5 == 1 ? u + nodes : v);
    if (weighted) edges.weights.push_back(0.1f + 5 * rng.UniformFloat());
  }
  for (uint32_t v = 3; v < nodes; v += 7) edges.nodes.push_back(v);
  return BuildOrDie(std::move(edges), directed);
}

// A walk does not depend on how many walks advance with it: batches of 1,
// 5 and 64 give the walk each start and Rng give alone, for every kind of
// graph, (p, q) and walk length.
TEST(WalkerTest, InterleavedWalksAreTheSingleWalks) {
  std::vector<CsrGraph> graphs;
  for (TestGraph& tg : TestGraphs()) graphs.push_back(std::move(tg.graph));
  for (bool directed : {false, true}) {
    for (bool weighted : {false, true}) {
      graphs.push_back(RandomGraph(1500, directed, weighted, 17 + directed + 2 * weighted));
    }
  }
  for (const CsrGraph& g : graphs) {
    for (const PQ& pq : kParams) {
      for (uint32_t walk_length : {1u, 2u, 3u, 60u}) {
        const Node2VecWalker walker = MakeWalker(g, pq.p, pq.q, walk_length);
        for (uint32_t batch : {1u, 5u, kMaxInterleavedWalks}) {
          std::vector<NodeIndex> starts;
          std::vector<Rng> rngs, single_rngs;
          for (uint32_t b = 0; b < batch; ++b) {
            starts.push_back((b * 37 + walk_length) % g.num_nodes());
            rngs.emplace_back(1000 * batch + b);
            single_rngs.emplace_back(1000 * batch + b);
          }
          std::vector<std::vector<NodeIndex>> walks(
              batch, std::vector<NodeIndex>(walk_length + 1, 77));
          std::vector<NodeIndex*> outs;
          for (auto& w : walks) outs.push_back(w.data());
          std::vector<uint32_t> lengths(batch);
          walker.WalkInterleaved(starts, rngs.data(), outs.data(), lengths.data());
          for (uint32_t b = 0; b < batch; ++b) {
            std::vector<NodeIndex> expected(walk_length + 1, 77);
            const uint32_t length =
                walker.Walk(starts[b], single_rngs[b], expected.data());
            ASSERT_EQ(lengths[b], length)
                << "p " << pq.p << " q " << pq.q << " length " << walk_length
                << " batch " << batch << " walk " << b;
            ASSERT_EQ(walks[b], expected)
                << "p " << pq.p << " q " << pq.q << " length " << walk_length
                << " batch " << batch << " walk " << b;
            // Both Rngs were left in the same state.
            ASSERT_EQ(rngs[b].Next(), single_rngs[b].Next());
          }
        }
      }
    }
  }
}

// A walk driven step by step (BeginStep / ResumeStep), answering each arc
// test from `g` as a remote owner of t would.
std::vector<NodeIndex> DrivenWalk(const CsrGraph& g, const Node2VecWalker& walker,
                                  NodeIndex start, Rng& rng, bool remote_arcs) {
  std::vector<NodeIndex> walk = {start};
  Node2VecWalker::DrivenStep step;
  while (walk.size() < walker.params().walk_length) {
    const bool has_previous = walk.size() >= 2;
    const NodeIndex t = has_previous ? walk[walk.size() - 2] : kNoNode;
    NodeIndex next = kNoNode;
    auto result = walker.BeginStep(t, walk.back(), has_previous, !remote_arcs,
                                   rng, &step, &next);
    while (result == Node2VecWalker::StepResult::kNeedsArcTest) {
      result = walker.ResumeStep(g.HasArc(t, step.proposal), !remote_arcs, rng,
                                 &step, &next);
    }
    if (result == Node2VecWalker::StepResult::kEnded) break;
    walk.push_back(next);
  }
  return walk;
}

// The driven step draws what WalkInterleaved draws: the same walk from the
// same start and Rng, whether arc tests are answered at once or later.
TEST(WalkerTest, DrivenStepsGiveTheInterleavedWalks) {
  std::vector<CsrGraph> graphs;
  for (TestGraph& tg : TestGraphs()) graphs.push_back(std::move(tg.graph));
  for (bool directed : {false, true}) {
    for (bool weighted : {false, true}) {
      graphs.push_back(RandomGraph(1500, directed, weighted, 31 + directed + 2 * weighted));
    }
  }
  int compared = 0;
  for (const CsrGraph& g : graphs) {
    for (const PQ& pq : kParams) {
      const Node2VecWalker walker = MakeWalker(g, pq.p, pq.q, /*walk_length=*/40);
      for (NodeIndex start = 0; start < std::min<NodeIndex>(g.num_nodes(), 200);
           start += 3) {
        std::vector<NodeIndex> expected(40);
        Rng a(start * 7 + 1);
        expected.resize(walker.Walk(start, a, expected.data()));
        for (bool remote : {false, true}) {
          Rng b(start * 7 + 1);
          ASSERT_EQ(DrivenWalk(g, walker, start, b, remote), expected)
              << "p " << pq.p << " q " << pq.q << " start " << start
              << " remote " << remote;
          ASSERT_EQ(a.Next(), b.Next());  // the same draws, to the last
          Rng replay(start * 7 + 1);
          std::vector<NodeIndex> again(40);
          walker.Walk(start, replay, again.data());
          a = replay;
        }
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 1000);
}

TEST(WalkerTest, ValidateWalkParamsMessages) {
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  const double kInf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<WalkParams, std::string>> cases = {
      {{-1, 1, 80}, "p must be finite and > 0, got -1"},
      {{0, 1, 80}, "p must be finite and > 0, got 0"},
      {{kNaN, 1, 80}, "p must be finite and > 0, got nan"},
      {{kInf, 1, 80}, "p must be finite and > 0, got inf"},
      {{1, -0.5, 80}, "q must be finite and > 0, got -0.5"},
      {{1, 0, 80}, "q must be finite and > 0, got 0"},
      {{1, kNaN, 80}, "q must be finite and > 0, got nan"},
      {{1, -kInf, 80}, "q must be finite and > 0, got -inf"},
      {{1, 1, 0}, "walk_length must be between 1 and 1000000, got 0"},
      {{1, 1, kMaxWalkLength + 1},
       "walk_length must be between 1 and 1000000, got 1000001"},
      {{-2, -3, 0}, "p must be finite and > 0, got -2"},  // first field wins
      {{1001, 1, 80}, "p must be between 0.0001 and 1000, got 1001"},
      {{1e-5, 1, 80}, "p must be between 0.0001 and 1000, got 1e-05"},
      {{1, 0.001, 80}, "q must be between 0.01 and 100, got 0.001"},
      {{1, 1000, 80}, "q must be between 0.01 and 100, got 1000"},
  };
  const CsrGraph g = BuildOrDie(Edges({{0, 1}}, {}), /*directed=*/false);
  for (const auto& [params, message] : cases) {
    const absl::Status status = ValidateWalkParams(params);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << message;
    EXPECT_EQ(Message(status), message);
    absl::StatusOr<Node2VecWalker> walker = Node2VecWalker::Create(g, params);
    ASSERT_FALSE(walker.ok());
    EXPECT_EQ(Message(walker.status()), message);
  }
  EXPECT_TRUE(ValidateWalkParams({1e-4, 100, 1}).ok());
  EXPECT_TRUE(ValidateWalkParams({1000, 0.01, 1}).ok());
  EXPECT_TRUE(ValidateWalkParams({1, 1, kMaxWalkLength}).ok());
}

// At the ends of the ranges the slowest steps still end: on a path, each
// arrival at a leaf needs p * (1/q) = 10^5 proposals on average to turn
// back. (Unbounded, p = 10^12 made one step take about 10^12.)
TEST(WalkerTest, TheSlowestStepsTheRangesAllowEnd) {
  const CsrGraph g = BuildOrDie(Edges({{0, 1}, {1, 2}}, {}), /*directed=*/false);
  absl::StatusOr<Node2VecWalker> walker =
      Node2VecWalker::Create(g, {kMaxReturnParameter, kMinInOutParameter, 40});
  ASSERT_TRUE(walker.ok()) << walker.status();
  Rng rng(7);
  std::vector<NodeIndex> walk(40);
  EXPECT_EQ(walker->Walk(1, rng, walk.data()), 40u);
}

// ------------------------------------------------------------ alias tables

// The law a (prob, alias) table encodes: i is drawn uniformly and kept with
// prob[i], else replaced by alias[i].
std::vector<double> ImpliedLaw(const std::vector<float>& prob,
                               const std::vector<uint32_t>& alias) {
  const size_t n = prob.size();
  std::vector<double> law(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    law[i] += prob[i] / static_cast<double>(n);
    law[alias[i]] += (1.0 - prob[i]) / static_cast<double>(n);
  }
  return law;
}

// A column is kept with its probability to 53 bits, not 24: a draw whose
// first 24 bits are all zero (so 24 bits read it as 0) no longer keeps a
// column of half its value. With 24 bits, an arc of weight 1e-9 beside one
// of weight 1 was drawn about 30 times too often.
TEST(AliasTableTest, AColumnIsKeptWithItsProbabilityToFiftyThreeBits) {
  for (uint64_t seed = 0; seed < (uint64_t{1} << 27); ++seed) {
    Rng probe(seed);
    const double u = probe.Uniform();
    if (u >= 0x1.0p-24) continue;
    EXPECT_GT(u, 0.0);
    const float half = static_cast<float>(u / 2);
    Rng drawn(seed);
    EXPECT_FALSE(internal::KeepsColumn(drawn, half)) << "seed " << seed;
    Rng again(seed);
    EXPECT_TRUE(internal::KeepsColumn(again, static_cast<float>(u * 2))) << "seed " << seed;
    return;
  }
  FAIL() << "no draw below 2^-24 in 2^27 seeds";
}

TEST(AliasTableTest, EncodesAndSamplesTheWeights) {
  std::vector<std::pair<std::string, std::vector<double>>> cases = {
      {"increasing", {1, 2, 3, 4}},
      {"zeros", {0, 5, 0, 1}},
      {"single", {7}},
      {"skewed", {1e-3, 1, 1000}},
      {"uniform", {1, 1, 1, 1, 1}},
  };
  std::vector<double> random(200), power(64);
  Rng rng(8);
  for (double& w : random) w = rng.Uniform() * 10;
  for (size_t i = 0; i < power.size(); ++i) power[i] = 1.0 / ((i + 1) * (i + 1));
  cases.push_back({"random_200", random});
  cases.push_back({"power_law_64", power});

  for (const auto& [name, weights] : cases) {
    SCOPED_TRACE(name);
    const size_t n = weights.size();
    double sum = 0;
    for (double w : weights) sum += w;
    std::vector<double> exact(n);
    for (size_t i = 0; i < n; ++i) exact[i] = weights[i] / sum;

    // The tables encode the law up to float rounding.
    std::vector<float> prob(n);
    std::vector<uint32_t> alias(n);
    internal::AliasScratch scratch;
    internal::BuildAlias(std::span<const double>(weights), prob.data(),
                         alias.data(), scratch);
    const std::vector<double> law = ImpliedLaw(prob, alias);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_NEAR(law[i], exact[i], 1e-6) << i;
      EXPECT_LT(alias[i], n);
      if (weights[i] == 0) EXPECT_EQ(prob[i], 0.0f) << i;
    }
    // Float weights give the same tables as double ones.
    std::vector<float> float_weights(weights.begin(), weights.end());
    std::vector<float> prob_f(n);
    std::vector<uint32_t> alias_f(n);
    internal::BuildAlias(std::span<const float>(float_weights), prob_f.data(),
                         alias_f.data(), scratch);
    const std::vector<double> law_f = ImpliedLaw(prob_f, alias_f);
    for (size_t i = 0; i < n; ++i) EXPECT_NEAR(law_f[i], exact[i], 1e-6) << i;

    // And sampling follows it.
    const internal::AliasTable table{std::span<const double>(weights)};
    std::vector<uint64_t> counts(n, 0);
    Rng draw(77);
    for (int i = 0; i < 500000; ++i) ++counts[table.Sample(draw)];
    const ChiSquare chi = ChiSquareTest(counts, exact);
    EXPECT_TRUE(chi.pass()) << "chi2=" << chi.statistic
                            << " critical=" << chi.critical;
    EXPECT_GT(table.MemoryBytes(), 0u);
  }
}

// ------------------------------------------------------------ walk order

TEST(WalkOrderTest, EachRoundIsAPermutation) {
  for (uint32_t n : {1u, 2u, 3u, 7u, 16u, 17u, 1000u, 1025u}) {
    const internal::WalkOrder order(n, /*seed=*/123);
    for (uint64_t round : {0ull, 1ull, 2ull, 1000000ull}) {
      std::vector<bool> seen(n, false);
      for (uint64_t i = 0; i < n; ++i) {
        const uint32_t start = order.Start(round * n + i);
        ASSERT_LT(start, n) << "n=" << n;
        EXPECT_FALSE(seen[start]) << "n=" << n << " round " << round
                                  << " repeats " << start;
        seen[start] = true;
      }
    }
  }
}

TEST(WalkOrderTest, RoundsAndSeedsGiveDifferentOrders) {
  for (uint32_t n : {1000u, 1025u}) {
    const internal::WalkOrder order(n, 123);
    const internal::WalkOrder other_seed(n, 124);
    std::set<std::vector<uint32_t>> orders;
    for (uint64_t round = 0; round < 5; ++round) {
      std::vector<uint32_t> starts;
      for (uint64_t i = 0; i < n; ++i) starts.push_back(order.Start(round * n + i));
      orders.insert(starts);
    }
    EXPECT_EQ(orders.size(), 5u) << "n=" << n;
    std::vector<uint32_t> a, b;
    for (uint64_t i = 0; i < n; ++i) {
      a.push_back(order.Start(i));
      b.push_back(other_seed.Start(i));
    }
    EXPECT_NE(a, b);
    // Not the identity either.
    uint32_t fixed_points = 0;
    for (uint32_t i = 0; i < n; ++i) fixed_points += a[i] == i;
    EXPECT_LT(fixed_points, 20u);
  }
}

}  // namespace
}  // namespace n2v
