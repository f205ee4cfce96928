// Alignment (orthogonal Procrustes) and warm-started re-embedding: the
// rotation is recovered exactly, and after a small change to the graph a
// warm, aligned re-run moves untouched nodes far less than a cold one.
#include "n2v/alignment.h"
#include "n2v/graph_diff.h"

#include <cmath>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "n2v/embed.h"
#include "n2v/random.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::BuildOrDie;
using testing::CommunityMargin;
using testing::Message;

// Rows of `values` (n x d) under ids 1000 + i.
Embeddings Make(uint32_t n, uint32_t d, const std::vector<double>& values) {
  std::vector<int64_t> ids;
  std::vector<float> floats;
  for (uint32_t i = 0; i < n; ++i) ids.push_back(1000 + i);
  for (double v : values) floats.push_back(static_cast<float>(v));
  return Embeddings::FromRows(ids, d, floats).value();
}

// A random orthogonal d x d matrix (Gram-Schmidt on Gaussian-ish columns).
std::vector<double> RandomRotation(uint32_t d, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> q(size_t{d} * d);
  for (double& x : q) x = rng.Uniform() - 0.5;
  for (uint32_t c = 0; c < d; ++c) {
    for (uint32_t o = 0; o < c; ++o) {
      double dot = 0;
      for (uint32_t r = 0; r < d; ++r) dot += q[r * d + c] * q[r * d + o];
      for (uint32_t r = 0; r < d; ++r) q[r * d + c] -= dot * q[r * d + o];
    }
    double norm = 0;
    for (uint32_t r = 0; r < d; ++r) norm += q[r * d + c] * q[r * d + c];
    for (uint32_t r = 0; r < d; ++r) q[r * d + c] /= std::sqrt(norm);
  }
  return q;
}

std::vector<double> Multiply(const std::vector<double>& a, uint32_t n,
                             const std::vector<double>& r, uint32_t d) {
  std::vector<double> out(size_t{n} * d, 0.0);
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t k = 0; k < d; ++k)
      for (uint32_t j = 0; j < d; ++j) out[i * d + j] += a[i * d + k] * r[k * d + j];
  return out;
}

void ExpectOrthogonal(const std::vector<double>& r, uint32_t d) {
  for (uint32_t i = 0; i < d; ++i) {
    for (uint32_t j = 0; j < d; ++j) {
      double dot = 0;
      for (uint32_t k = 0; k < d; ++k) dot += r[i * d + k] * r[j * d + k];
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-9) << i << "," << j;
    }
  }
}

TEST(ProcrustesTest, RecoversARotationExactly) {
  constexpr uint32_t n = 300, d = 24;
  Rng rng(3);
  std::vector<double> a(size_t{n} * d);
  for (double& x : a) x = rng.Uniform() - 0.5;
  const std::vector<double> q = RandomRotation(d, 11);
  Embeddings moving = Make(n, d, a);
  const Embeddings reference = Make(n, d, Multiply(a, n, q, d));
  auto rotation = ProcrustesRotation(moving, reference);
  ASSERT_TRUE(rotation.ok()) << Message(rotation.status());
  ExpectOrthogonal(*rotation, d);
  for (size_t i = 0; i < q.size(); ++i) EXPECT_NEAR((*rotation)[i], q[i], 1e-5);
  auto drift = AlignToReference(moving, reference);
  ASSERT_TRUE(drift.ok());
  EXPECT_EQ(drift->shared_nodes, n);
  EXPECT_LT(drift->max, 1e-5);
}

TEST(ProcrustesTest, RankDeficientDataStillGivesARotation) {
  constexpr uint32_t n = 50, d = 10;
  std::vector<double> a(size_t{n} * d, 0.0);
  Rng rng(5);
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t j = 0; j < 3; ++j) a[i * d + j] = rng.Uniform() - 0.5;
  }
  const Embeddings moving = Make(n, d, a);
  const Embeddings reference = Make(n, d, Multiply(a, n, RandomRotation(d, 2), d));
  auto rotation = ProcrustesRotation(moving, reference);
  ASSERT_TRUE(rotation.ok());
  ExpectOrthogonal(*rotation, d);
  Embeddings aligned = Make(n, d, a);
  Rotate(aligned, *rotation);
  auto drift = MeasureDrift(aligned, reference);
  ASSERT_TRUE(drift.ok());
  EXPECT_LT(drift->max, 1e-4);
}

TEST(ProcrustesTest, CountsAddedRemovedAndRefusesMismatches) {
  const Embeddings a = Embeddings::FromRows({1, 2, 3}, 2, std::vector<float>{1, 0, 0, 1, 1, 1}).value();
  const Embeddings b = Embeddings::FromRows({2, 3, 4, 5}, 2, std::vector<float>(8, 1.0f)).value();
  auto drift = MeasureDrift(a, b);
  ASSERT_TRUE(drift.ok());
  EXPECT_EQ(drift->shared_nodes, 2u);
  EXPECT_EQ(drift->added_nodes, 1u);
  EXPECT_EQ(drift->removed_nodes, 2u);

  const Embeddings c = Embeddings::FromRows({9}, 2, std::vector<float>{1, 1}).value();
  EXPECT_EQ(Message(ProcrustesRotation(a, c).status()),
            "cannot align: the embeddings share no node id");
  const Embeddings three = Embeddings::FromRows({1}, 3, std::vector<float>{1, 1, 1}).value();
  EXPECT_EQ(Message(ProcrustesRotation(a, three).status()),
            "cannot align: the embeddings have 2 and 3 dimensions");
}

// Four planted communities of 50 nodes; returns edges and community of id.
EdgeList Communities(uint64_t seed, std::vector<int>* community) {
  Rng rng(seed);
  EdgeList edges;
  constexpr int kNodes = 200, kSize = 50;
  community->assign(kNodes, 0);
  for (int v = 0; v < kNodes; ++v) (*community)[v] = v / kSize;
  for (int u = 0; u < kNodes; ++u) {
    for (int v = u + 1; v < kNodes; ++v) {
      const double p = (u / kSize == v / kSize) ? 0.2 : 0.004;
      if (rng.Uniform() < p) {
        edges.sources.push_back(u);
        edges.targets.push_back(v);
      }
    }
  }
  return edges;
}

EmbedOptions SmallOptions(uint64_t seed) {
  EmbedOptions o;
  o.dimensions = 32;
  o.walks_per_node = 10;
  o.walk.walk_length = 40;
  o.window = 5;
  o.subsample = 0;
  o.seed = seed;
  o.deterministic = true;
  o.keep_context = true;
  return o;
}

// The acceptance test: add 1% new edges; a warm start from the
// previous vectors (input and context), aligned, moves the nodes the change
// did not touch far less than a cold re-run aligned the same way, and the
// community structure is at least as clear.
TEST(WarmStartTest, UnchangedNodesMoveFarLessThanAColdReRun) {
  std::vector<int> community;
  EdgeList before = Communities(21, &community);
  const CsrGraph g0 = BuildOrDie(before, /*directed=*/false);
  auto first = Embed(g0, SmallOptions(1));
  ASSERT_TRUE(first.ok()) << Message(first.status());

  // 1% new edges inside communities, and the nodes they touch.
  EdgeList after = before;
  Rng rng(99);
  std::set<int64_t> touched;
  const size_t extra = std::max<size_t>(1, before.sources.size() / 100);
  while (after.sources.size() < before.sources.size() + extra) {
    const int u = static_cast<int>(rng.Below(200));
    const int v = (u / 50) * 50 + static_cast<int>(rng.Below(50));
    if (u == v || g0.HasArc(u, v)) continue;
    after.sources.push_back(u);
    after.targets.push_back(v);
    touched.insert(u);
    touched.insert(v);
  }
  const CsrGraph g1 = BuildOrDie(after, /*directed=*/false);
  std::vector<int64_t> untouched;
  for (int64_t v = 0; v < 200; ++v) {
    if (!touched.contains(v)) untouched.push_back(v);
  }

  auto cold = Embed(g1, SmallOptions(2));
  ASSERT_TRUE(cold.ok());
  ASSERT_TRUE(AlignToReference(cold->embeddings, first->embeddings).ok());
  auto cold_drift = MeasureDrift(cold->embeddings, first->embeddings, untouched);

  EmbedOptions warm_options = SmallOptions(2);
  warm_options.initial = &first->embeddings;
  warm_options.initial_context = &first->context;
  warm_options.initial_learning_rate = 0.001f;
  auto warm = Embed(g1, warm_options);
  ASSERT_TRUE(warm.ok()) << Message(warm.status());
  EXPECT_EQ(warm->stats.warm_started_nodes, 200u);
  ASSERT_TRUE(AlignToReference(warm->embeddings, first->embeddings).ok());
  auto warm_drift = MeasureDrift(warm->embeddings, first->embeddings, untouched);

  ASSERT_TRUE(cold_drift.ok() && warm_drift.ok());
  EXPECT_LT(warm_drift->mean, 0.25 * cold_drift->mean)
      << "warm " << warm_drift->mean << " cold " << cold_drift->mean;
  EXPECT_LT(warm_drift->p95, 0.25 * cold_drift->p95);
  EXPECT_GE(CommunityMargin(warm->embeddings, community),
            CommunityMargin(cold->embeddings, community) - 0.05);
  EXPECT_GT(CommunityMargin(warm->embeddings, community), 0.3);
}

TEST(WarmStartTest, NewNodesStartFromTheirNeighbours) {
  EdgeList edges;
  edges.sources = {1, 2, 3, 4};
  edges.targets = {2, 3, 4, 1};
  const CsrGraph g = BuildOrDie(edges, /*directed=*/false);
  EmbedOptions o = SmallOptions(4);
  // Vectors for 1..3 only: node 4 is new and has two warm neighbours.
  const Embeddings initial =
      Embeddings::FromRows({1, 2, 3}, 32, std::vector<float>(96, 0.5f)).value();
  o.initial = &initial;
  auto result = Embed(g, o);
  ASSERT_TRUE(result.ok()) << Message(result.status());
  EXPECT_EQ(result->stats.warm_started_nodes, 3u);
  EXPECT_EQ(result->stats.neighbour_started_nodes, 1u);

  const Embeddings wrong = Embeddings::FromRows({1}, 8, std::vector<float>(8, 1)).value();
  o.initial = &wrong;
  EXPECT_EQ(Message(Embed(g, o).status()),
            "initial vectors have 8 dimensions but dimensions is 32");
}

TEST(IncrementalTest, WalksStartOnlyFromTheGivenNodes) {
  std::vector<int> community;
  const CsrGraph g = BuildOrDie(Communities(5, &community), /*directed=*/false);
  EmbedOptions o = SmallOptions(6);
  o.walk_from = {3, 7, 7, 11};
  auto result = Embed(g, o);
  ASSERT_TRUE(result.ok()) << Message(result.status());
  EXPECT_EQ(result->stats.walks, 3u * o.walks_per_node);

  o.walk_from = {3, 999};
  EXPECT_EQ(Message(Embed(g, o).status()),
            "walk_from: node id 999 is not in the graph");
}

}  // namespace
}  // namespace n2v

namespace n2v {
namespace {

TEST(GraphDiffTest, FindsChangedNewAndRemovedNodes) {
  EdgeList a;
  a.sources = {1, 2, 3, 7};
  a.targets = {2, 3, 4, 8};
  EdgeList b;
  b.sources = {1, 2, 3, 5};  // 3-4 kept, 7-8 gone, 2-5... new node 5
  b.targets = {2, 3, 4, 2};
  const CsrGraph before = BuildOrDie(a, /*directed=*/false);
  const CsrGraph after = BuildOrDie(b, /*directed=*/false);
  const GraphChanges changes = DiffGraphs(before, after);
  EXPECT_EQ(changes.changed, (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(changes.removed, (std::vector<int64_t>{7, 8}));

  EdgeList w = a;
  w.weights = {1, 1, 1, 1};
  EdgeList w2 = a;
  w2.weights = {1, 2, 1, 1};  // weight of 2-3 changed
  const GraphChanges weights = DiffGraphs(BuildOrDie(w, false), BuildOrDie(w2, false));
  EXPECT_EQ(weights.changed, (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(weights.removed.empty());
}

}  // namespace
}  // namespace n2v
