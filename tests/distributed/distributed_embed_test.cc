// Distributed training: it learns what Embed learns, its deterministic mode
// gives the same bits on every run and at every thread count, its rows come
// back whole and in id order, and it refuses what it does not do.
#include "n2v/distributed/distributed_embed.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "distributed_test_util.h"
#include "n2v/distributed/gather_rows.h"
#include "n2v/embed.h"
#include "test_util.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;

// Four planted communities of 50 nodes (ids 0..199).
std::pair<EdgeList, std::vector<int>> PlantedPartition() {
  constexpr int kCommunities = 4, kSize = 50, kNodes = kCommunities * kSize;
  Rng rng(2024);
  EdgeList edges;
  std::vector<int> community(kNodes);
  for (int v = 0; v < kNodes; ++v) community[v] = v / kSize;
  for (int u = 0; u < kNodes; ++u) {
    for (int v = u + 1; v < kNodes; ++v) {
      if (rng.Uniform() < (community[u] == community[v] ? 0.2 : 0.005)) {
        edges.sources.push_back(u);
        edges.targets.push_back(v);
      }
    }
  }
  return {std::move(edges), std::move(community)};
}

distributed::DistributedEmbedOptions SmallOptions() {
  distributed::DistributedEmbedOptions o;
  o.embed.dimensions = 32;
  o.embed.walks_per_node = 10;
  o.embed.walk.walk_length = 20;
  o.embed.window = 5;
  o.embed.subsample = 0;  // a tiny corpus: every node counts as frequent
  o.embed.seed = 3;
  o.embed.num_threads = 2;
  o.walks_per_wave = 300;  // several waves
  return o;
}

distributed::DistributedEmbedResult EmbedOrDie(const Communicator& comm,
                                               const distributed::PartitionedGraph& g,
                                               const distributed::DistributedEmbedOptions& o) {
  auto result = distributed::EmbedDistributed(comm, g, o);
  if (!result.ok()) {
    ADD_FAILURE() << result.status();
    std::abort();
  }
  return *std::move(result);
}

TEST(DistributedEmbedTest, LearnsThePlantedCommunitiesAsEmbedDoes) {
  const Communicator comm = Communicator::World();
  auto [edges, community] = PlantedPartition();
  const auto part = PartitionOrDie(comm, edges, false);
  const auto o = SmallOptions();
  const auto result = EmbedOrDie(comm, part, o);
  EXPECT_EQ(result.embeddings.size(), part.owned().size());
  const Embeddings all = GatherAll(comm, result.embeddings);
  EXPECT_GT(result.stats.trained_pairs, 100000u);
  EXPECT_EQ(result.stats.loss_per_epoch.size(), 1u);
  if (comm.rank() != 0) return;
  ASSERT_EQ(all.size(), 200u);
  for (size_t r = 0; r < all.size(); ++r) EXPECT_EQ(all.id(r), static_cast<int64_t>(r));
  const CsrGraph whole = WholeOrDie(PlantedPartition().first, false);
  absl::StatusOr<EmbedResult> single = Embed(whole, o.embed);
  ASSERT_TRUE(single.ok()) << single.status();
  const double margin = CommunityMargin(all, community);
  const double single_margin = CommunityMargin(single->embeddings, community);
  std::cout << "[ stats    ] planted partition margin " << margin << " on "
            << comm.size() << " ranks, " << single_margin << " by Embed\n";
  EXPECT_GT(margin, 0.3);
  EXPECT_GT(margin, single_margin - 0.1);
}

// A cancel raised on one rank ends the run on every rank at the next wave,
// the counting pass's included: no wave is trained (no progress is
// reported) when it is up from the start.
TEST(DistributedEmbedTest, ACancelEndsTheCountingPassOnEveryRank) {
  const Communicator comm = Communicator::World();
  const auto part = PartitionOrDie(comm, PlantedPartition().first, false);
  auto o = SmallOptions();
  std::atomic<bool> cancel{comm.rank() == comm.size() - 1};
  uint64_t reports = 0;
  o.control.cancel = &cancel;
  o.control.on_progress = [&](const EmbedProgress&) { ++reports; };
  absl::StatusOr<distributed::DistributedEmbedResult> run =
      distributed::EmbedDistributed(comm, part, o);
  EXPECT_EQ(run.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(reports, 0u);
}

// IsolatedNodePolicy::kZero zeroes the rows one machine zeroes: nodes with
// no arc in either direction. A directed sink keeps its row though no walk
// reaches it (its one in-arc weighs 1e-12 of its source's out-weight), on
// whichever rank it lives.
TEST(DistributedEmbedTest, ZeroedRowsAreTheNodesWithoutArcsAsOnOneMachine) {
  const Communicator comm = Communicator::World();
  EdgeList edges;
  edges.sources = {1, 1, 2, 5};
  edges.targets = {3, 2, 1, 6};
  edges.weights = {1e-6f, 1e6f, 1.0f, 1.0f};
  edges.nodes = {4, 7};  // no arcs
  const auto part = PartitionOrDie(comm, edges, /*directed=*/true);
  auto o = SmallOptions();
  o.embed.walks_per_node = 1;
  o.embed.isolated_nodes = IsolatedNodePolicy::kZero;
  const auto result = EmbedOrDie(comm, part, o);
  const Embeddings all = GatherAll(comm, result.embeddings);
  if (comm.rank() != 0) return;
  CsrGraph whole = WholeOrDie(edges, /*directed=*/true);
  absl::StatusOr<EmbedResult> single = Embed(whole, o.embed);
  ASSERT_TRUE(single.ok()) << single.status();
  auto zero = [](const Embeddings& e, int64_t id) {
    const auto row = e.row(*e.ids().Find(id));
    return std::all_of(row.begin(), row.end(), [](float x) { return x == 0.0f; });
  };
  for (int64_t id = 1; id <= 7; ++id) {
    EXPECT_EQ(zero(all, id), zero(single->embeddings, id)) << "node " << id;
    EXPECT_EQ(zero(all, id), id == 4 || id == 7) << "node " << id;
  }
}

TEST(DistributedEmbedTest, DeterministicModeGivesTheSameBitsOnEveryRunAndThreadCount) {
  const Communicator comm = Communicator::World();
  const auto part = PartitionOrDie(comm, PlantedPartition().first, false);
  auto o = SmallOptions();
  o.embed.deterministic = true;
  o.embed.subsample = 0.01;
  std::vector<Embeddings> runs;
  for (int threads : {1, 2, 2}) {
    o.embed.num_threads = threads;
    runs.push_back(GatherAll(comm, EmbedOrDie(comm, part, o).embeddings));
  }
  o.embed.seed = 4;
  const Embeddings other = GatherAll(comm, EmbedOrDie(comm, part, o).embeddings);
  if (comm.rank() != 0) return;
  for (size_t run = 1; run < runs.size(); ++run) {
    ASSERT_EQ(runs[run].size(), runs[0].size());
    EXPECT_EQ(std::memcmp(runs[run].data(), runs[0].data(),
                          runs[0].size() * runs[0].stride() * sizeof(float)),
              0)
        << "run " << run;
  }
  EXPECT_NE(std::memcmp(other.data(), runs[0].data(),
                        runs[0].size() * runs[0].stride() * sizeof(float)),
            0);
}

// Batches of windows: each rank trains its contexts of a window as one
// block. They learn the communities, repeat bit for bit in deterministic
// mode, and differ from pair-by-pair training.
TEST(DistributedEmbedTest, BatchWindowsLearnTheCommunitiesAndRepeat) {
  const Communicator comm = Communicator::World();
  auto [edges, community] = PlantedPartition();
  const auto part = PartitionOrDie(comm, edges, false);
  auto o = SmallOptions();
  o.embed.deterministic = true;
  const Embeddings pairwise = GatherAll(comm, EmbedOrDie(comm, part, o).embeddings);
  o.embed.batch_windows = true;
  std::vector<Embeddings> runs;
  uint64_t pairs = 0;
  for (int threads : {1, 2}) {
    o.embed.num_threads = threads;
    const auto result = EmbedOrDie(comm, part, o);
    pairs = result.stats.trained_pairs;
    runs.push_back(GatherAll(comm, result.embeddings));
  }
  if (comm.rank() != 0) return;
  EXPECT_GT(pairs, 100000u);
  const size_t bytes = runs[0].size() * runs[0].stride() * sizeof(float);
  EXPECT_EQ(std::memcmp(runs[1].data(), runs[0].data(), bytes), 0);
  EXPECT_NE(std::memcmp(pairwise.data(), runs[0].data(), bytes), 0);
  const double margin = CommunityMargin(runs[0], community);
  std::cout << "[ stats    ] planted partition margin " << margin << " on "
            << comm.size() << " ranks with batches of windows\n";
  EXPECT_GT(margin, 0.3);
}

TEST(DistributedEmbedTest, RefusesWhatItDoesNotDo) {
  const Communicator comm = Communicator::World();
  const auto part = PartitionOrDie(comm, PlantedPartition().first, false);
  auto o = SmallOptions();
  o.embed.dimensions = 0;
  auto r = distributed::EmbedDistributed(comm, part, o, {.dimensions = "--dimensions"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(r.status()).rfind("--dimensions must be", 0), 0u) << r.status();
  o = SmallOptions();
  o.embed.initial_learning_rate = 1e6;  // diverges
  o.embed.min_learning_rate = 1e6;
  r = distributed::EmbedDistributed(comm, part, o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Message(r.status()).find("training diverged"), std::string::npos)
      << r.status();
}

}  // namespace
}  // namespace n2v::testing
