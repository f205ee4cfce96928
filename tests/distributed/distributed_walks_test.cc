// Distributed walks are the single-machine walks: the same walks, in the
// same canonical order, at every rank count, thread count and wave size,
// on directed and undirected, weighted and unweighted graphs.
#include "n2v/distributed/distributed_walks.h"

#include <atomic>
#include <map>

#include "distributed_test_util.h"
#include "test_util.h"
#include "n2v/walks.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;

WalkBlock Concatenate(const std::vector<WalkBlock>& blocks) {
  WalkBlock all;
  for (const WalkBlock& b : blocks) {
    all.nodes.insert(all.nodes.end(), b.nodes.begin(), b.nodes.end());
    all.lengths.insert(all.lengths.end(), b.lengths.begin(), b.lengths.end());
  }
  return all;
}

WalkBlock SingleMachineWalks(const CsrGraph& g, const WalksOptions& o) {
  std::vector<WalkBlock> blocks;
  const absl::Status s = GenerateWalks(g, o, [&](const WalkBlock& b) {
    blocks.push_back(b);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return Concatenate(blocks);
}

// The distributed walks merged on rank 0 (empty elsewhere).
WalkBlock DistributedWalks(const Communicator& comm,
                           const distributed::PartitionedGraph& g,
                           const WalksOptions& o, uint64_t per_wave,
                           distributed::DistributedWalkStats* stats = nullptr) {
  std::vector<WalkBlock> blocks;
  const absl::Status s = distributed::GenerateDistributedWalks(
      comm, g, o, per_wave,
      [&](const WalkBlock& mine) -> absl::Status {
        auto merged = distributed::GatherWave(comm, mine, 0);
        if (!merged.ok()) return merged.status();
        blocks.push_back(*std::move(merged));
        return absl::OkStatus();
      },
      stats);
  EXPECT_TRUE(s.ok()) << s;
  return Concatenate(blocks);
}

struct Case {
  bool directed, weighted;
  double p, q;
};

TEST(DistributedWalksTest, SameWalksAsOneMachine) {
  const Communicator comm = Communicator::World();
  const Case cases[] = {{false, false, 1, 1},   {false, false, 0.25, 4},
                        {false, true, 4, 0.25}, {true, false, 0.5, 2},
                        {true, true, 2, 0.5},   {true, true, 1, 1}};
  int compared = 0;
  for (const Case& c : cases) {
    const EdgeList edges = RandomEdges(700, c.weighted, 7 + c.directed + 2 * c.weighted);
    const CsrGraph whole = WholeOrDie(edges, c.directed);
    const auto part = PartitionOrDie(comm, edges, c.directed);
    EXPECT_EQ(part.stats().num_nodes, whole.num_nodes());
    EXPECT_EQ(part.stats().num_edges, whole.stats().num_edges);
    EXPECT_EQ(part.stats().num_arcs, whole.num_arcs());
    WalksOptions o;
    o.walk = {.p = c.p, .q = c.q, .walk_length = 25};
    o.walks_per_node = 2;
    o.seed = 99;
    o.num_threads = 2;
    const WalkBlock expected = SingleMachineWalks(whole, o);
    // 7 walks a wave fill fewer lanes than a task has (16).
    for (uint64_t per_wave : {7u, 50u, 100000u}) {
      const WalkBlock got = DistributedWalks(comm, part, o, per_wave);
      // EXPECT, not ASSERT: every rank must keep making the same
      // collective calls.
      if (comm.rank() != 0) continue;
      EXPECT_EQ(got.lengths, expected.lengths)
          << "directed " << c.directed << " weighted " << c.weighted << " p " << c.p
          << " q " << c.q << " walks per wave " << per_wave;
      EXPECT_EQ(got.nodes, expected.nodes);
      compared += got.nodes == expected.nodes;
    }
  }
  if (comm.rank() == 0) EXPECT_EQ(compared, 18);
}

TEST(DistributedWalksTest, WalkFromAndItsErrors) {
  const Communicator comm = Communicator::World();
  const EdgeList edges = RandomEdges(300, true, 3);
  const CsrGraph whole = WholeOrDie(edges, false);
  const auto part = PartitionOrDie(comm, edges, false);
  WalksOptions o;
  o.walk = {.p = 0.5, .q = 2, .walk_length = 10};
  o.walks_per_node = 3;
  o.walk_from = {1000 + 3 * 40, 1000 + 3 * 2, 1000 + 3 * 40, 1000 + 3 * 77};
  const WalkBlock expected = SingleMachineWalks(whole, o);
  const WalkBlock got = DistributedWalks(comm, part, o, 2);
  if (comm.rank() == 0) {
    EXPECT_EQ(got.lengths.size(), 9u);  // three distinct starts, three rounds
    EXPECT_EQ(got.nodes, expected.nodes);
  }
  o.walk_from = {1000, 7, 1000 + 3 * 40, 8};  // 7 and 8 are in no rank's part
  const absl::Status s = distributed::GenerateDistributedWalks(
      comm, part, o, 10, [](const WalkBlock&) { return absl::OkStatus(); }, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(s), "walk_from: node id 7 is not in the graph");
  o.walk_from.clear();
  o.walk.q = -1;
  const absl::Status bad = distributed::GenerateDistributedWalks(
      comm, part, o, 10, [](const WalkBlock&) { return absl::OkStatus(); }, nullptr);
  EXPECT_EQ(Message(bad), "q must be finite and > 0, got -1");
}

// A training pass's cancel, raised on the last rank only, stops a wave of
// long walks after its first round of steps on every rank; none of the
// wave reaches the sink.
TEST(DistributedWalksTest, ACancelStopsAWaveAfterOneRoundOnEveryRank) {
  const Communicator comm = Communicator::World();
  const EdgeList edges = RandomEdges(300, false, 5);
  const auto part = PartitionOrDie(comm, edges, false);
  WalksOptions o;
  o.walk = {.p = 1, .q = 1, .walk_length = 200};
  o.walks_per_node = 1;
  auto run = [&](bool raised, distributed::DistributedWalkStats& stats, int& waves) {
    const std::atomic<bool> cancel{raised};
    return distributed::GenerateDistributedWalks(
        comm, part, o, /*walks_per_wave=*/100000,
        [&](const distributed::DistributedWalkBlock&) {
          ++waves;
          return absl::OkStatus();
        },
        &stats, {}, {.cancel = &cancel});
  };
  distributed::DistributedWalkStats stats;
  int waves = 0;
  const absl::Status cancelled = run(comm.rank() == comm.size() - 1, stats, waves);
  EXPECT_EQ(cancelled.code(), absl::StatusCode::kCancelled) << cancelled;
  EXPECT_EQ(stats.rounds, 1u);
  EXPECT_EQ(waves, 0);
  // Without it, walks of 200 steps cross the ranks many times.
  waves = 0;
  const absl::Status done = run(false, stats, waves);
  EXPECT_TRUE(done.ok()) << done;
  EXPECT_EQ(waves, 1);
  if (comm.size() > 1) EXPECT_GT(stats.rounds, 10u);
}

// Second-order steps whose previous node lives on another rank (the arc
// test answered there) follow the exact node2vec law: from a hub v reached
// from t, the counts of each next node x match w(v,x) * alpha(t,x) / sum
// by a chi-square test.
TEST(DistributedWalksTest, RemoteArcTestsFollowTheExactLaw) {
  const Communicator comm = Communicator::World();
  // t = 0 and a hub v on another rank; x = 100..139, half of them
  // neighbours of t.
  const int64_t t = 0;
  int64_t v = 1;
  while (comm.size() > 1 && distributed::OwnerOf(v, comm.size()) ==
                                distributed::OwnerOf(t, comm.size())) {
    ++v;
  }
  EdgeList edges;
  Rng rng(5);
  auto add = [&](int64_t a, int64_t b, float weight) {
    edges.sources.push_back(a);
    edges.targets.push_back(b);
    edges.weights.push_back(weight);
  };
  // Directed, so t's heavy arc makes v its walks' first step while v's arc
  // back to t weighs 1.
  add(t, v, 1e6f);
  add(v, t, 1.0f);
  std::map<int64_t, double> law = {{t, 1.0 / 2}};  // w(v, t) / p
  for (int64_t x = 100; x < 140; ++x) {
    const float w = 0.2f + 3 * rng.UniformFloat();
    add(v, x, w);
    if (x % 2 == 0) add(t, x, 1e-3f);
    law[x] = w * (x % 2 == 0 ? 1.0 : 1.0 / 0.5);  // d(t, x) = 1 or 2
  }
  const auto part = PartitionOrDie(comm, edges, true);
  WalksOptions o;
  o.walk = {.p = 2, .q = 0.5, .walk_length = 3};
  o.walks_per_node = 40000;
  o.walk_from = {t};
  std::map<int64_t, uint64_t> counts;
  distributed::DistributedWalkStats stats;
  const absl::Status s = distributed::GenerateDistributedWalks(
      comm, part, o, 5000,
      [&](const WalkBlock& block) {
        for (size_t k = 0; k < block.lengths.size(); ++k) {
          if (block.lengths[k] == 3 && block.nodes[3 * k + 1] == v) {
            ++counts[block.nodes[3 * k + 2]];
          }
        }
        return absl::OkStatus();
      },
      &stats);
  ASSERT_TRUE(s.ok()) << s;
  std::vector<uint64_t> queries = {stats.arc_queries};
  ASSERT_TRUE(comm.SumAll(std::span<uint64_t>(queries)).ok());
  if (comm.size() > 1) EXPECT_GT(queries[0], 10000u);
  if (distributed::OwnerOf(t, comm.size()) != comm.rank()) return;  // not home
  double total = 0;
  for (const auto& [x, mass] : law) total += mass;
  std::vector<uint64_t> observed;
  std::vector<double> probabilities;
  uint64_t steps = 0;
  for (const auto& [x, mass] : law) {
    observed.push_back(counts[x]);
    probabilities.push_back(mass / total);
    steps += counts[x];
  }
  EXPECT_GT(steps, 39900u);  // nearly every walk went t -> v
  const ChiSquare result = ChiSquareTest(observed, probabilities);
  EXPECT_TRUE(result.pass()) << result.statistic << " >= " << result.critical;
}

}  // namespace
}  // namespace n2v::testing
