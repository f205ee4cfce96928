// Tests for Embed: bit-identical vectors in deterministic mode for any
// thread count, reproducible single-thread Hogwild, embedding quality on a
// planted partition, the isolated-node policy, cancellation, progress
// reports, option validation and the training statistics.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <oneapi/tbb/global_control.h>

#include "gtest/gtest.h"
#include "internal/parallel.h"
#include "n2v/embed.h"
#include "n2v/graph.h"
#include "n2v/io/edge_list_reader.h"
#include "n2v/random.h"
#include "test_util.h"

namespace n2v {
namespace {

using ::n2v::testing::BuildOrDie;
using ::n2v::testing::CommunityMargin;
using ::n2v::testing::Message;

constexpr char kKarate[] = "../shared/datasets/karate/karate.edgelist";

EdgeList KarateEdges(bool weighted) {
  absl::StatusOr<EdgeList> edges = io::ReadEdgeList(kKarate, {});
  EXPECT_TRUE(edges.ok()) << edges.status();
  if (!edges.ok()) return {};
  if (weighted) {
    for (size_t i = 0; i < edges->sources.size(); ++i) {
      edges->weights.push_back(
          1.0f + static_cast<float>((edges->sources[i] * edges->targets[i]) % 5));
    }
  }
  return *std::move(edges);
}

// Four communities of 50 nodes; edges inside with probability 0.2, across
// with 0.005. Returns the edges and each node's community (ids 0..199).
std::pair<EdgeList, std::vector<int>> PlantedPartition(bool weighted) {
  constexpr int kCommunities = 4, kSize = 50;
  constexpr int kNodes = kCommunities * kSize;
  Rng rng(2024);
  EdgeList edges;
  std::vector<int> community(kNodes);
  for (int v = 0; v < kNodes; ++v) community[v] = v / kSize;
  for (int u = 0; u < kNodes; ++u) {
    for (int v = u + 1; v < kNodes; ++v) {
      const double p = community[u] == community[v] ? 0.2 : 0.005;
      if (rng.Uniform() < p) {
        edges.sources.push_back(u);
        edges.targets.push_back(v);
        if (weighted) edges.weights.push_back(0.5f + rng.UniformFloat());
      }
    }
  }
  return {std::move(edges), std::move(community)};
}

EmbedOptions SmallOptions() {
  EmbedOptions options;
  options.dimensions = 16;
  options.walks_per_node = 4;
  options.walk.walk_length = 20;
  options.window = 5;
  options.negatives = 5;
  options.epochs = 2;
  options.seed = 7;
  return options;
}

EmbedResult EmbedOrDie(const CsrGraph& graph, const EmbedOptions& options,
                       const EmbedControl& control = {}) {
  absl::StatusOr<EmbedResult> result = Embed(graph, options, control);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) std::abort();
  return *std::move(result);
}

// The whole padded matrix, padding included.
bool BitIdentical(const Embeddings& a, const Embeddings& b) {
  return a.size() == b.size() && a.stride() == b.stride() &&
         std::memcmp(a.data(), b.data(),
                     a.size() * a.stride() * sizeof(float)) == 0;
}

// ------------------------------------------------------------ determinism

TEST(EmbedDeterminismTest, BitIdenticalForAnyThreadCountAndRun) {
  // Thread requests are capped at oneTBB's allowed parallelism (the core
  // count); lift the cap so 8 threads really run even on a small machine.
  const tbb::global_control allow(
      tbb::global_control::max_allowed_parallelism, 8);
  ASSERT_EQ(internal::ResolveThreads(8), 8);
  struct GraphCase {
    std::string name;
    CsrGraph graph;
  };
  std::vector<GraphCase> graphs;
  graphs.push_back({"karate", BuildOrDie(KarateEdges(false), false)});
  graphs.push_back({"karate_weighted", BuildOrDie(KarateEdges(true), false)});
  graphs.push_back(
      {"planted_weighted_directed",
       BuildOrDie(PlantedPartition(/*weighted=*/true).first, /*directed=*/true)});
  const std::pair<double, double> pqs[] = {{1, 1}, {0.5, 2}};
  for (const GraphCase& gc : graphs) {
    for (const auto& [p, q] : pqs) {
     for (bool batch : {false, true}) {
      SCOPED_TRACE(::testing::Message() << gc.name << " p=" << p << " q=" << q
                                        << " batch_windows=" << batch);
      EmbedOptions options = SmallOptions();
      options.batch_windows = batch;
      options.deterministic = true;
      options.walk.p = p;
      options.walk.q = q;
      options.num_threads = 1;
      const EmbedResult reference = EmbedOrDie(gc.graph, options);
      EXPECT_EQ(reference.stats.loss_per_epoch.size(), 2u);
      for (int threads : {1, 2, 8}) {
        options.num_threads = threads;
        const EmbedResult other = EmbedOrDie(gc.graph, options);
        EXPECT_TRUE(BitIdentical(reference.embeddings, other.embeddings))
            << threads << " threads";
        EXPECT_EQ(reference.stats.loss_per_epoch, other.stats.loss_per_epoch)
            << threads << " threads";
        EXPECT_EQ(reference.stats.trained_nodes, other.stats.trained_nodes);
      }
      options.seed = 8;
      const EmbedResult reseeded = EmbedOrDie(gc.graph, options);
      EXPECT_FALSE(BitIdentical(reference.embeddings, reseeded.embeddings));
     }
    }
  }
}

TEST(EmbedDeterminismTest, SingleThreadHogwildIsReproducible) {
  const CsrGraph g = BuildOrDie(KarateEdges(true), false);
  for (double q : {1.0, 2.0}) {
    EmbedOptions options = SmallOptions();
    options.deterministic = false;
    options.num_threads = 1;
    options.walk.q = q;
    const EmbedResult a = EmbedOrDie(g, options);
    const EmbedResult b = EmbedOrDie(g, options);
    EXPECT_TRUE(BitIdentical(a.embeddings, b.embeddings)) << "q=" << q;
    EXPECT_EQ(a.stats.loss_per_epoch, b.stats.loss_per_epoch);
  }
}

// ------------------------------------------------------------ quality

TEST(EmbedQualityTest, PlantedCommunitiesAreSeparated) {
  auto [edges, community] = PlantedPartition(/*weighted=*/false);
  const CsrGraph g = BuildOrDie(std::move(edges), /*directed=*/false);
  ASSERT_EQ(g.num_nodes(), 200u);
  EmbedOptions options;
  options.dimensions = 32;
  options.walks_per_node = 10;
  options.walk.walk_length = 20;
  options.window = 5;
  options.epochs = 1;
  // On a corpus this small (40k walk nodes) every node counts as frequent;
  // subsampling would drop a third of each walk.
  options.subsample = 0;
  options.seed = 3;
  options.deterministic = true;

  // Untrained (initial random) vectors: no structure.
  Embeddings random(g.shared_ids(), options.dimensions);
  Rng rng(5);
  for (size_t r = 0; r < random.size(); ++r) {
    for (float& x : random.mutable_row(r)) x = rng.UniformFloat() - 0.5f;
  }
  const double random_margin = CommunityMargin(random, community);

  const EmbedResult result = EmbedOrDie(g, options);
  const double margin = CommunityMargin(result.embeddings, community);
  std::cout << "[ stats    ] planted partition margin " << margin
            << " (random vectors " << random_margin << ")\n";
  EXPECT_LT(std::abs(random_margin), 0.05);
  EXPECT_GT(margin, 0.3);

  // Fast mode on all threads learns the same structure.
  options.deterministic = false;
  options.num_threads = 2;
  const double hogwild_margin =
      CommunityMargin(EmbedOrDie(g, options).embeddings, community);
  std::cout << "[ stats    ] planted partition margin, Hogwild " << hogwild_margin
            << "\n";
  EXPECT_GT(hogwild_margin, 0.3);
}

TEST(EmbedQualityTest, LossDecreasesAcrossEpochs) {
  auto [edges, community] = PlantedPartition(/*weighted=*/false);
  const CsrGraph g = BuildOrDie(std::move(edges), /*directed=*/false);
  EmbedOptions options = SmallOptions();
  options.epochs = 3;
  options.deterministic = true;
  const EmbedResult result = EmbedOrDie(g, options);
  const std::vector<double>& loss = result.stats.loss_per_epoch;
  ASSERT_EQ(loss.size(), 3u);
  std::cout << "[ stats    ] loss per epoch " << loss[0] << " " << loss[1]
            << " " << loss[2] << "\n";
  EXPECT_GT(loss[0], loss[1]);
  EXPECT_GT(loss[1], loss[2]);
  EXPECT_GT(loss[2], 0);
}

// ------------------------------------------------------------ statistics

TEST(EmbedStatsTest, CountsWalksAndNodes) {
  const CsrGraph g = BuildOrDie(KarateEdges(false), false);
  EmbedOptions options = SmallOptions();
  options.subsample = 0;  // every walk node is trained
  options.epochs = 3;
  options.deterministic = true;
  const auto started = std::chrono::steady_clock::now();
  const EmbedResult result = EmbedOrDie(g, options);
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  const EmbedStats& s = result.stats;
  EXPECT_EQ(s.walks, 34u * 4);
  EXPECT_EQ(s.walk_nodes, 34u * 4 * 20);  // karate has no dead ends
  EXPECT_EQ(s.trained_nodes, 3 * s.walk_nodes);
  EXPECT_EQ(s.loss_per_epoch.size(), 3u);
  EXPECT_GE(s.model_bytes, 2u * 34 * 16 * sizeof(float));
  // Both phases took some time, and together no more than the whole call.
  EXPECT_GT(s.count_seconds, 0);
  EXPECT_GT(s.train_seconds, 0);
  EXPECT_LE(s.count_seconds + s.train_seconds, wall_seconds);
  EXPECT_EQ(result.embeddings.size(), 34u);
  EXPECT_EQ(result.embeddings.dimensions(), 16u);

  // Subsampling drops some nodes (karate's hubs are frequent).
  options.subsample = 1e-3;
  const EmbedResult sub = EmbedOrDie(g, options);
  EXPECT_LT(sub.stats.trained_nodes, 3 * sub.stats.walk_nodes);
  EXPECT_GT(sub.stats.trained_nodes, 0u);
}

TEST(EmbedStatsTest, DeadEndsShortenWalks) {
  // A directed path 0 -> 1 -> 2: walks have 3, 2 and 1 nodes.
  EdgeList edges;
  edges.sources = {0, 1};
  edges.targets = {1, 2};
  const CsrGraph g = BuildOrDie(std::move(edges), /*directed=*/true);
  EmbedOptions options = SmallOptions();
  options.walks_per_node = 2;
  const EmbedResult result = EmbedOrDie(g, options);
  EXPECT_EQ(result.stats.walks, 6u);
  EXPECT_EQ(result.stats.walk_nodes, 2u * (3 + 2 + 1));
}

// ------------------------------------------------------------ isolated nodes

TEST(EmbedIsolatedNodesTest, PolicyDecidesTheirRows) {
  EdgeList edges = KarateEdges(false);
  edges.nodes = {100, -5, 3};  // 3 is not isolated
  const CsrGraph g = BuildOrDie(std::move(edges), false);
  ASSERT_EQ(g.num_nodes(), 36u);
  const std::vector<int64_t> isolated = {100, -5};
  for (IsolatedNodePolicy policy :
       {IsolatedNodePolicy::kZero, IsolatedNodePolicy::kRandom}) {
    for (bool deterministic : {false, true}) {
      EmbedOptions options = SmallOptions();
      options.isolated_nodes = policy;
      options.deterministic = deterministic;
      const EmbedResult result = EmbedOrDie(g, options);
      const Embeddings& e = result.embeddings;
      ASSERT_EQ(e.size(), g.num_nodes());
      for (size_t r = 0; r < e.size(); ++r) {
        EXPECT_EQ(e.id(r), g.original_id(static_cast<NodeIndex>(r)));
        const auto row = e.row(r);
        const bool all_zero =
            std::all_of(row.begin(), row.end(), [](float x) { return x == 0; });
        const bool is_isolated =
            std::find(isolated.begin(), isolated.end(), e.id(r)) !=
            isolated.end();
        if (is_isolated && policy == IsolatedNodePolicy::kZero) {
          EXPECT_TRUE(all_zero) << "id " << e.id(r);
        } else {
          EXPECT_FALSE(all_zero) << "id " << e.id(r);
        }
        for (float x : row) EXPECT_TRUE(std::isfinite(x));
      }
    }
  }
}

// ------------------------------------------------------------ control

TEST(EmbedControlTest, ProgressPhasesAndFractions) {
  const CsrGraph g = BuildOrDie(KarateEdges(false), false);
  for (bool deterministic : {false, true}) {
    SCOPED_TRACE(deterministic ? "deterministic" : "hogwild");
    EmbedOptions options = SmallOptions();
    options.walks_per_node = 20;
    options.epochs = 3;
    options.deterministic = deterministic;
    std::vector<EmbedProgress> reports;
    EmbedControl control;
    control.progress_interval = absl::ZeroDuration();
    control.on_progress = [&](const EmbedProgress& p) { reports.push_back(p); };
    EmbedOrDie(g, options, control);

    ASSERT_GE(reports.size(), 3u);
    EXPECT_EQ(reports.front().phase, EmbedPhase::kCounting);
    EXPECT_EQ(reports.back().phase, EmbedPhase::kDone);
    EXPECT_EQ(reports.back().fraction, 1.0);
    EXPECT_EQ(reports.back().overall, 1.0);
    bool saw_training = false;
    for (size_t i = 0; i < reports.size(); ++i) {
      const EmbedProgress& p = reports[i];
      EXPECT_GE(p.fraction, 0.0);
      EXPECT_LE(p.fraction, 1.0);
      EXPECT_LE(p.walks_done, p.walks_total);
      if (p.phase == EmbedPhase::kCounting) {
        EXPECT_FALSE(saw_training) << "counting after training, report " << i;
        EXPECT_EQ(p.walks_total, 34u * 20);
      }
      if (p.phase == EmbedPhase::kTraining) {
        saw_training = true;
        EXPECT_EQ(p.walks_total, 34u * 20 * 3);
        EXPECT_LT(p.epoch, 3u);
      }
      if (p.phase == EmbedPhase::kDone) EXPECT_EQ(i, reports.size() - 1);
      if (i > 0) {
        const EmbedProgress& prev = reports[i - 1];
        EXPECT_GE(p.overall, prev.overall) << "report " << i;
        if (p.phase == prev.phase) {
          EXPECT_GE(p.fraction, prev.fraction) << "report " << i;
          EXPECT_GE(p.walks_done, prev.walks_done) << "report " << i;
          EXPECT_GE(p.epoch, prev.epoch) << "report " << i;
        }
      }
    }
    EXPECT_TRUE(saw_training);
  }
}

TEST(EmbedControlTest, CancelledBeforeTheCall) {
  const CsrGraph g = BuildOrDie(KarateEdges(false), false);
  const std::atomic<bool> cancel{true};
  EmbedControl control;
  control.cancel = &cancel;
  for (bool deterministic : {false, true}) {
    EmbedOptions options = SmallOptions();
    options.deterministic = deterministic;
    absl::StatusOr<EmbedResult> result = Embed(g, options, control);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
  }
}

// A run sized to take tens of seconds stops in the phase whose first progress
// report raised the flag, far from that phase's end: each worker checks the
// flag once per walk, so only the walks under way finish.
TEST(EmbedControlTest, CancelFromProgressCallbackStopsQuickly) {
  const CsrGraph g = BuildOrDie(KarateEdges(false), false);
  for (EmbedPhase cancel_in : {EmbedPhase::kCounting, EmbedPhase::kTraining}) {
    for (bool deterministic : {false, true}) {
      SCOPED_TRACE(::testing::Message()
                   << EmbedPhaseName(cancel_in) << " "
                   << (deterministic ? "deterministic" : "hogwild"));
      EmbedOptions options;
      options.walks_per_node = 5000;  // 13.6M walk nodes per epoch
      options.dimensions = 64;
      options.deterministic = deterministic;
      std::atomic<bool> cancel{false};
      std::vector<EmbedProgress> reports;
      EmbedControl control;
      control.cancel = &cancel;
      control.progress_interval = absl::Milliseconds(1);
      control.on_progress = [&](const EmbedProgress& p) {
        reports.push_back(p);
        if (p.phase == cancel_in) cancel = true;
      };
      absl::StatusOr<EmbedResult> result = Embed(g, options, control);
      ASSERT_FALSE(result.ok());
      EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
      EXPECT_EQ(Message(result.status()), "embedding cancelled");
      ASSERT_FALSE(reports.empty());
      const EmbedProgress& last = reports.back();
      EXPECT_EQ(last.phase, cancel_in);
      // The last report is from the first half of that phase.
      EXPECT_GT(last.walks_total, 0u);
      EXPECT_LT(last.walks_done, last.walks_total / 2)
          << last.walks_done << " of " << last.walks_total;
    }
  }
}

// ------------------------------------------------------------ validation

TEST(EmbedValidationTest, BadOptionsNameTheField) {
  struct Case {
    std::string name;
    void (*mutate)(EmbedOptions&);
    std::string message;
  };
  const std::vector<Case> cases = {
      {"dimensions_zero", [](EmbedOptions& o) { o.dimensions = 0; },
       "dimensions must be between 1 and 65536, got 0"},
      {"dimensions_huge", [](EmbedOptions& o) { o.dimensions = 70000; },
       "dimensions must be between 1 and 65536, got 70000"},
      {"window_zero", [](EmbedOptions& o) { o.window = 0; },
       "window must be between 1 and 1000, got 0"},
      {"negatives_zero", [](EmbedOptions& o) { o.negatives = 0; },
       "negatives must be between 1 and 1000, got 0"},
      {"walks_per_node_zero", [](EmbedOptions& o) { o.walks_per_node = 0; },
       "walks_per_node must be between 1 and 100000, got 0"},
      {"epochs_zero", [](EmbedOptions& o) { o.epochs = 0; },
       "epochs must be between 1 and 1000, got 0"},
      {"initial_lr_zero", [](EmbedOptions& o) { o.initial_learning_rate = 0; },
       "initial_learning_rate must be finite and > 0, got 0"},
      {"initial_lr_negative",
       [](EmbedOptions& o) { o.initial_learning_rate = -0.5f; },
       "initial_learning_rate must be finite and > 0, got -0.5"},
      {"initial_lr_nan",
       [](EmbedOptions& o) {
         o.initial_learning_rate = std::numeric_limits<float>::quiet_NaN();
       },
       "initial_learning_rate must be finite and > 0, got nan"},
      {"min_lr_above_initial", [](EmbedOptions& o) { o.min_learning_rate = 0.5f; },
       "min_learning_rate must be between 0 and initial_learning_rate "
       "(0.025), got 0.5"},
      {"min_lr_negative", [](EmbedOptions& o) { o.min_learning_rate = -1; },
       "min_learning_rate must be between 0 and initial_learning_rate "
       "(0.025), got -1"},
      {"subsample_negative", [](EmbedOptions& o) { o.subsample = -1; },
       "subsample must be finite and >= 0, got -1"},
      {"negative_exponent_inf",
       [](EmbedOptions& o) {
         o.negative_exponent = std::numeric_limits<double>::infinity();
       },
       "negative_exponent must be finite, got inf"},
      {"num_threads_negative", [](EmbedOptions& o) { o.num_threads = -2; },
       "num_threads must be >= 0, got -2"},
      {"walk_p", [](EmbedOptions& o) { o.walk.p = -1; },
       "p must be finite and > 0, got -1"},
      {"walk_q", [](EmbedOptions& o) { o.walk.q = 0; },
       "q must be finite and > 0, got 0"},
      {"walk_length_zero", [](EmbedOptions& o) { o.walk.walk_length = 0; },
       "walk_length must be between 1 and 1000000, got 0"},
      {"walk_length_huge",
       [](EmbedOptions& o) { o.walk.walk_length = 1000001; },
       "walk_length must be between 1 and 1000000, got 1000001"},
  };
  const CsrGraph g = BuildOrDie(KarateEdges(false), false);
  EXPECT_TRUE(ValidateEmbedOptions(EmbedOptions{}).ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EmbedOptions options = SmallOptions();
    c.mutate(options);
    const absl::Status status = ValidateEmbedOptions(options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(status), c.message);
    absl::StatusOr<EmbedResult> result = Embed(g, options);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(Message(result.status()), c.message);
  }
}

TEST(EmbedValidationTest, DivergenceIsInvalidArgument) {
  const CsrGraph g = BuildOrDie(KarateEdges(false), false);
  EmbedOptions options = SmallOptions();
  options.initial_learning_rate = 1e30f;
  options.min_learning_rate = 1e29f;
  absl::StatusOr<EmbedResult> result = Embed(g, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(result.status()),
            "training diverged: the vectors contain NaN or infinite values; "
            "lower the initial learning rate (now 1e+30)");
}

TEST(EmbedValidationTest, EmptyGraphIsInvalidArgument) {
  const CsrGraph g = BuildOrDie(EdgeList{}, false);
  absl::StatusOr<EmbedResult> result = Embed(g, SmallOptions());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(result.status()), "graph is empty: it has no nodes");
}

// The initializers GDS offers: NORMALIZED, word2vec's [-0.5/d, 0.5/d), and
// UNIFORM, [-1, 1). An isolated node keeps its initial vector, so it shows
// the range.
TEST(EmbedInitializerTest, NormalizedAndUniformRanges) {
  EdgeList edges = KarateEdges(false);
  edges.nodes = {1000};
  const CsrGraph g = BuildOrDie(std::move(edges), false);
  const NodeIndex isolated = *g.ids().Find(1000);
  for (const EmbeddingInitializer init :
       {EmbeddingInitializer::kNormalized, EmbeddingInitializer::kUniform}) {
    EmbedOptions o = SmallOptions();
    o.initializer = init;
    const EmbedResult r = Embed(g, o).value();
    const float bound =
        init == EmbeddingInitializer::kUniform ? 1.0f : 0.5f / o.dimensions;
    float largest = 0;
    for (float x : r.embeddings.row(isolated)) {
      EXPECT_GE(x, -bound);
      EXPECT_LT(x, bound);
      largest = std::max(largest, std::fabs(x));
    }
    // Spread over the range, not squeezed into the narrower one.
    EXPECT_GT(largest, 0.5f * bound);
  }
}

// lossPerIteration as GDS reports it: the loss summed over every pair of an
// epoch, i.e. the sampled mean times the pairs trained.
TEST(EmbedStatsTest, LossSumCoversEveryPair) {
  const CsrGraph g = BuildOrDie(KarateEdges(false), false);
  EmbedOptions o = SmallOptions();
  o.epochs = 2;
  const EmbedResult r = Embed(g, o).value();
  ASSERT_EQ(r.stats.loss_sum_per_epoch.size(), 2u);
  for (int e = 0; e < 2; ++e) {
    const double pairs = r.stats.loss_sum_per_epoch[e] / r.stats.loss_per_epoch[e];
    // Each kept walk node is a centre with 1 to 2 * window contexts.
    const double centres = r.stats.trained_nodes / 2.0;
    EXPECT_GE(pairs, centres * 0.9);
    EXPECT_LE(pairs, centres * 2 * o.window);
  }
}

TEST(EmbedValidationTest, PhaseNames) {
  EXPECT_EQ(EmbedPhaseName(EmbedPhase::kCounting), "counting");
  EXPECT_EQ(EmbedPhaseName(EmbedPhase::kTraining), "training");
  EXPECT_EQ(EmbedPhaseName(EmbedPhase::kDone), "done");
}

}  // namespace
}  // namespace n2v
