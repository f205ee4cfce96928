// Distributed re-embedding: a warm start's rows are those one machine
// gives (copied, or neighbour means fetched across ranks), the rotation and
// drift over every rank's rows are Reembed's, incremental runs start where
// Reembed's do (or answer with the previous vectors), a deterministic warm
// run repeats bit for bit, and mismatched vectors are refused by name.
#include "n2v/distributed/distributed_reembed.h"

#include <cmath>
#include <cstring>

#include "distributed/warm_start_rows.h"
#include "distributed_test_util.h"
#include "internal/initial_rows.h"
#include "n2v/alignment.h"
#include "test_util.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;
using distributed::OwnerOf;

constexpr uint32_t kDims = 16;

Embeddings RowsFor(const std::vector<int64_t>& ids, auto pick) {
  return TestRows(ids, kDims, pick);
}

std::vector<int64_t> IdsOf(const CsrGraph& graph) {
  std::vector<int64_t> ids;
  for (NodeIndex v = 0; v < graph.num_nodes(); ++v) ids.push_back(graph.original_id(v));
  return ids;
}

// A previous run that had about three nodes in four.
bool HadVector(int64_t id) { return (id / 3) % 4 != 1; }

void ExpectWarmRowsAsOneMachine(bool directed, bool weighted) {
  const Communicator comm = Communicator::World();
  const EdgeList all = RandomEdges(300, weighted, directed ? 11 : 12);
  const CsrGraph whole = WholeOrDie(all, directed);
  const auto part = PartitionOrDie(comm, all, directed);
  const std::vector<int64_t> ids = IdsOf(whole);

  Embeddings expected(whole.shared_ids(), kDims);
  auto counts = internal::WarmStartRows(whole, RowsFor(ids, HadVector), "previous", expected);
  ASSERT_TRUE(counts.ok()) << counts.status();

  const Embeddings share = RowsFor(ids, [&](int64_t id) {
    return HadVector(id) && OwnerOf(id, comm.size()) == comm.rank();
  });
  std::vector<int64_t> own_ids;
  for (NodeIndex v : part.owned()) own_ids.push_back(part.local().original_id(v));
  auto own_index = NodeIdIndex::Create(std::move(own_ids));
  ASSERT_TRUE(own_index.ok());
  Embeddings mine(std::make_shared<const NodeIdIndex>(*std::move(own_index)), kDims);
  auto got = distributed::WarmStartOwnRows(comm, part, share, mine);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->copied, counts->copied);
  EXPECT_EQ(got->seeded, counts->seeded);
  EXPECT_GT(got->seeded, 0u);
  const Embeddings gathered = GatherAll(comm, mine);
  if (comm.rank() != 0) return;
  ASSERT_EQ(gathered.size(), expected.size());
  for (size_t r = 0; r < expected.size(); ++r) {
    ASSERT_EQ(gathered.id(r), expected.id(r));
    for (uint32_t i = 0; i < kDims; ++i) {
      // Sums in double, added in another order: equal to float precision.
      ASSERT_NEAR(gathered.row(r)[i], expected.row(r)[i], 1e-6)
          << "node " << expected.id(r) << " dimension " << i;
    }
  }
}

TEST(DistributedReembedTest, WarmRowsAreOneMachinesUndirected) {
  ExpectWarmRowsAsOneMachine(false, false);
}

TEST(DistributedReembedTest, WarmRowsAreOneMachinesDirectedWeighted) {
  // In-neighbours on other ranks count too.
  ExpectWarmRowsAsOneMachine(true, true);
}

// Four planted communities of 40 nodes (ids 0..159).
EdgeList Communities() {
  Rng rng(77);
  EdgeList edges;
  for (int u = 0; u < 160; ++u) {
    for (int v = u + 1; v < 160; ++v) {
      if (rng.Uniform() < (u / 40 == v / 40 ? 0.25 : 0.01)) {
        edges.sources.push_back(u);
        edges.targets.push_back(v);
      }
    }
  }
  return edges;
}

distributed::DistributedEmbedOptions WarmOptions() {
  distributed::DistributedEmbedOptions o;
  o.embed.dimensions = kDims;
  o.embed.walks_per_node = 4;
  o.embed.walk.walk_length = 20;
  o.embed.window = 4;
  o.embed.subsample = 0;
  o.embed.seed = 5;
  o.embed.num_threads = 2;
  o.walks_per_wave = 100;
  return o;
}

// This rank's share of `rows`: the ids it owns.
Embeddings ShareOfRows(const Communicator& comm, const Embeddings& rows,
                       const std::vector<int64_t>& ids) {
  return RowsFor(ids, [&](int64_t id) {
    return rows.Find(id).has_value() && OwnerOf(id, comm.size()) == comm.rank();
  });
}

TEST(DistributedReembedTest, AlignsAndMeasuresDriftAsReembedDoes) {
  const Communicator comm = Communicator::World();
  const auto part = PartitionOrDie(comm, Communities(), false);
  // The previous run: nodes 0..149 and one node the graph no longer has.
  std::vector<int64_t> previous_ids;
  for (int64_t id = 0; id < 150; ++id) previous_ids.push_back(id);
  previous_ids.push_back(9999);
  const Embeddings previous = RowsFor(previous_ids, [](int64_t) { return true; });
  const Embeddings share = ShareOfRows(comm, previous, previous_ids);
  auto run = distributed::ReembedDistributed(comm, part, WarmOptions(), {},
                                             {.vectors = &share});
  ASSERT_TRUE(run.ok()) << run.status();
  const ReembedReport& report = run->report;
  EXPECT_TRUE(report.warm_started);
  EXPECT_EQ(run->embed.stats.warm_started_nodes, 150u);
  EXPECT_EQ(run->embed.stats.neighbour_started_nodes, 10u);
  ASSERT_TRUE(report.aligned);
  // Warm starts keep the context rows (the next warm start needs them).
  EXPECT_EQ(run->embed.context.size(), run->embed.embeddings.size());
  const Embeddings result = GatherAll(comm, run->embed.embeddings);
  if (comm.rank() != 0) return;
  auto expected = MeasureDrift(result, previous);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(report.drift.shared_nodes, 150u);
  EXPECT_EQ(report.drift.added_nodes, 10u);
  EXPECT_EQ(report.drift.removed_nodes, 1u);
  EXPECT_EQ(report.drift.p95, expected->p95);
  EXPECT_EQ(report.drift.max, expected->max);
  EXPECT_NEAR(report.drift.mean, expected->mean, 1e-12);
  EXPECT_GT(report.drift.mean, 0);
  EXPECT_LT(report.drift.mean, 0.5);  // a warm start stays near its start
  // Already rotated: the best rotation now is (nearly) the identity.
  auto rotation = ProcrustesRotation(result, previous);
  ASSERT_TRUE(rotation.ok());
  for (uint32_t i = 0; i < kDims; ++i) {
    EXPECT_NEAR((*rotation)[size_t{i} * kDims + i], 1.0, 1e-3) << i;
  }
}

TEST(DistributedReembedTest, DeterministicWarmRunsRepeatBitForBit) {
  const Communicator comm = Communicator::World();
  const auto part = PartitionOrDie(comm, Communities(), false);
  std::vector<int64_t> ids;
  for (int64_t id = 0; id < 160; id += 2) ids.push_back(id);  // half are new
  const Embeddings previous = RowsFor(ids, [](int64_t) { return true; });
  const Embeddings share = ShareOfRows(comm, previous, ids);
  const Embeddings context_share = ShareOfRows(comm, previous, ids);
  auto o = WarmOptions();
  o.embed.deterministic = true;
  std::vector<Embeddings> runs;
  for (int threads : {1, 2}) {
    o.embed.num_threads = threads;
    auto run = distributed::ReembedDistributed(
        comm, part, o, {}, {.vectors = &share, .context = &context_share});
    ASSERT_TRUE(run.ok()) << run.status();
    runs.push_back(GatherAll(comm, run->embed.embeddings));
    runs.push_back(GatherAll(comm, run->embed.context));
  }
  if (comm.rank() != 0) return;
  for (size_t k : {0, 1}) {
    ASSERT_EQ(runs[k].size(), 160u);
    ASSERT_EQ(runs[k + 2].size(), runs[k].size());
    EXPECT_EQ(std::memcmp(runs[k].data(), runs[k + 2].data(),
                          runs[k].size() * runs[k].stride() * sizeof(float)),
              0)
        << (k == 0 ? "input" : "context") << " rows";
  }
}

TEST(DistributedReembedTest, IncrementalRunsWalkFromTheChangedAndNewNodes) {
  const Communicator comm = Communicator::World();
  const auto part = PartitionOrDie(comm, Communities(), false);
  std::vector<int64_t> ids;
  for (int64_t id = 0; id < 158; ++id) ids.push_back(id);  // 158 and 159 are new
  const Embeddings previous = RowsFor(ids, [](int64_t) { return true; });
  const Embeddings share = ShareOfRows(comm, previous, ids);
  const ReembedOptions incremental{.incremental = true};
  auto run = [&](const std::vector<int64_t>& changed, const Embeddings& vectors) {
    auto r = distributed::ReembedDistributed(
        comm, part, WarmOptions(), incremental,
        {.vectors = &vectors, .context = &vectors, .changed_nodes = &changed});
    EXPECT_TRUE(r.ok()) << r.status();
    return *std::move(r);
  };
  // Three changed nodes and two new ones: five starts.
  const auto few = run({3, 50, 120}, share);
  EXPECT_TRUE(few.report.incremental);
  EXPECT_EQ(few.report.walk_start_nodes, 5u);
  EXPECT_EQ(few.embed.stats.neighbour_started_nodes, 2u);
  // More than a tenth of the graph changed: every node is walked.
  std::vector<int64_t> many;
  for (int64_t id = 0; id < 40; ++id) many.push_back(id);
  const auto all = run(many, share);
  EXPECT_FALSE(all.report.incremental);
  EXPECT_EQ(all.report.walk_start_nodes, 160u);
  // Nothing changed and every node has both matrices: the previous vectors
  // are the answer (turned by a rotation that is all but the identity).
  std::vector<int64_t> every;
  for (int64_t id = 0; id < 160; ++id) every.push_back(id);
  const Embeddings whole = RowsFor(every, [](int64_t) { return true; });
  const Embeddings whole_share = ShareOfRows(comm, whole, every);
  const auto same = run({}, whole_share);
  EXPECT_TRUE(same.report.incremental);
  EXPECT_EQ(same.report.walk_start_nodes, 0u);
  EXPECT_EQ(same.embed.stats.warm_started_nodes, 160u);
  EXPECT_LT(same.report.drift.max, 1e-5);
  for (size_t r = 0; r < same.embed.embeddings.size(); ++r) {
    const auto expected = whole.row(*whole.Find(same.embed.embeddings.id(r)));
    for (uint32_t i = 0; i < kDims; ++i) {
      EXPECT_NEAR(same.embed.embeddings.row(r)[i], expected[i], 1e-5);
    }
  }
}

TEST(DistributedReembedTest, RefusesMismatchedVectorsByName) {
  const Communicator comm = Communicator::World();
  const auto part = PartitionOrDie(comm, Communities(), false);
  // Every rank holds all three rows; only the owner's are used.
  const Embeddings previous = RowsFor({0, 1, 2}, [](int64_t) { return true; });
  auto o = WarmOptions();
  o.embed.dimensions = kDims * 2;
  auto r = distributed::ReembedDistributed(comm, part, o, {}, {.vectors = &previous},
                                           {.dimensions = "--dimensions"});
  // Rank 0 (which reports) has the reason; the others hear that it failed.
  ASSERT_FALSE(r.ok());
  if (comm.rank() == 0) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(Message(r.status()).find("have 16 dimensions but --dimensions is 32"),
              std::string::npos)
        << r.status();
  }
}

}  // namespace
}  // namespace n2v::testing
