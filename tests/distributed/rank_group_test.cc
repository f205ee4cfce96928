// RankGroup: the leader's jobs run on every rank and give what
// EmbedDistributed gives on the same graph; a cancelled job ends on every
// rank and the group goes on to the next; Stop ends the followers. On a
// communicator a RankWatch watches, the same job gives the same bits and
// no rank is reported lost. A warm job's previous vectors are spread from
// the leader and give what ReembedDistributed gives from per-rank shares.
// A job that keeps its context vectors keeps them on every rank. Watch
// options one rank refuses start no watch on any rank. The watch's
// heartbeats carry the leader's cancel to the followers running that job.
// (A rank that dies: rank_loss_main.cc.)
#include "n2v/distributed/rank_group.h"

#include <atomic>
#include <cstring>
#include <span>

#include "absl/strings/str_cat.h"
#include "distributed_test_util.h"
#include "n2v/distributed/distributed_embed.h"
#include "n2v/distributed/distributed_reembed.h"
#include "n2v/distributed/gather_rows.h"
#include "n2v/distributed/rank_watch.h"
#include "test_util.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;
using distributed::RankGroup;

// Every row's values, row after row.
std::vector<float> RowValues(const Embeddings& rows) {
  std::vector<float> values;
  for (size_t r = 0; r < rows.size(); ++r) {
    values.insert(values.end(), rows.row(r).begin(), rows.row(r).end());
  }
  return values;
}

EmbedOptions JobOptions() {
  EmbedOptions o;
  o.dimensions = 16;
  o.walks_per_node = 4;
  o.walk = {.p = 0.5, .q = 2, .walk_length = 15};
  o.window = 4;
  o.subsample = 0;
  o.seed = 11;
  o.deterministic = true;
  o.num_threads = 2;
  return o;
}

TEST(RankGroupTest, LeaderJobsRunOnEveryRankAndMatchEmbedDistributed) {
  const Communicator comm = Communicator::World();
  const EdgeList edges = RandomEdges(400, /*weighted=*/true, 21);
  const EmbedOptions o = JobOptions();
  // The same run from every rank's share of the edges, for comparison.
  const auto part = PartitionOrDie(comm, edges, false);
  auto direct = distributed::EmbedDistributed(comm, part, {.embed = o});
  ASSERT_TRUE(direct.ok()) << direct.status();
  const std::vector<float> expected = RowValues(GatherAll(comm, direct->embeddings));

  RankGroup group(comm);
  if (!group.leader()) {
    EXPECT_TRUE(group.Follow().ok());
    return;
  }
  const CsrGraph whole = WholeOrDie(edges, false);
  std::vector<uint64_t> progress_calls(1, 0);
  EmbedControl control;
  control.on_progress = [&](const EmbedProgress&) { ++progress_calls[0]; };
  absl::StatusOr<EmbedResult> result = group.Embed(whole, o, control);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(progress_calls[0], 0u);
  ASSERT_EQ(result->embeddings.size(), whole.num_nodes());
  EXPECT_EQ(RowValues(result->embeddings), expected);
  EXPECT_EQ(result->stats.loss_per_epoch.size(), 1u);

  // A cancelled job ends on every rank; the next one runs.
  std::atomic<bool> cancel{true};
  EmbedControl cancelling;
  cancelling.cancel = &cancel;
  absl::StatusOr<EmbedResult> cancelled = group.Embed(whole, o, cancelling);
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled);
  EmbedOptions bad = o;
  bad.walk.q = 0;
  absl::StatusOr<EmbedResult> refused = group.Embed(whole, bad, {}, {.q = "params.q"});
  EXPECT_EQ(Message(refused.status()), "params.q must be finite and > 0, got 0");
  absl::StatusOr<EmbedResult> again = group.Embed(whole, o, {});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(std::memcmp(again->embeddings.data(), result->embeddings.data(),
                        whole.num_nodes() * result->embeddings.stride() * sizeof(float)),
            0);
  EXPECT_TRUE(group.Stop().ok());
  EXPECT_EQ(group.Embed(whole, o, {}).status().code(), absl::StatusCode::kUnavailable);
}

TEST(RankGroupTest, LeaderWarmJobsSpreadThePreviousVectorsAndMatchReembedDistributed) {
  const Communicator comm = Communicator::World();
  const EdgeList edges = RandomEdges(400, /*weighted=*/false, 23);
  const CsrGraph whole = WholeOrDie(edges, false);
  std::vector<int64_t> ids;
  for (NodeIndex v = 0; v < whole.num_nodes(); ++v) ids.push_back(whole.original_id(v));
  auto had = [](int64_t id) { return id % 5 != 0; };
  const Embeddings previous = TestRows(ids, 16, had);
  const std::vector<int64_t> changed = {ids[1], ids[2], ids[3]};
  // ReembedDistributed from every rank's share, for comparison.
  const auto part = PartitionOrDie(comm, edges, false);
  const Embeddings share = TestRows(ids, 16, [&](int64_t id) {
    return had(id) && distributed::OwnerOf(id, comm.size()) == comm.rank();
  });
  auto direct = distributed::ReembedDistributed(
      comm, part, {.embed = JobOptions()}, {},
      {.vectors = &share, .context = &share, .changed_nodes = &changed});
  ASSERT_TRUE(direct.ok()) << direct.status();
  const Embeddings expected = GatherAll(comm, direct->embed.embeddings);
  const Embeddings expected_context = GatherAll(comm, direct->embed.context);

  RankGroup group(comm);
  if (!group.leader()) {
    EXPECT_TRUE(group.Follow().ok());
    return;
  }
  auto result = group.Reembed(whole, JobOptions(), {},
                              {.vectors = &previous, .context = &previous,
                               .changed_nodes = &changed},
                              {});
  EXPECT_TRUE(group.Stop().ok());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->embed.embeddings.size(), whole.num_nodes());
  ASSERT_EQ(result->embed.context.size(), whole.num_nodes());
  for (size_t r = 0; r < whole.num_nodes(); ++r) {
    const uint32_t at = *expected.Find(whole.original_id(r));
    ASSERT_EQ(std::memcmp(result->embed.embeddings.row(r).data(), expected.row(at).data(),
                          16 * sizeof(float)),
              0)
        << "input row of node " << whole.original_id(r);
    ASSERT_EQ(std::memcmp(result->embed.context.row(r).data(),
                          expected_context.row(at).data(), 16 * sizeof(float)),
              0)
        << "context row of node " << whole.original_id(r);
  }
  const ReembedReport& report = result->report;
  EXPECT_TRUE(report.warm_started && report.aligned);
  EXPECT_EQ(report.drift.mean, direct->report.drift.mean);
  EXPECT_EQ(report.drift.p95, direct->report.drift.p95);
  // The drift covers the shared nodes whose edges did not change.
  EXPECT_EQ(report.drift_measured_nodes, report.drift.shared_nodes - 3);
  EXPECT_EQ(result->embed.stats.warm_started_nodes, previous.size());
  EXPECT_GT(result->embed.stats.neighbour_started_nodes, 0u);
}

// A cold job that keeps its context vectors: every rank learns that it
// does (ending training brings each context block home, a collective), and
// the context rows come back as EmbedDistributed gives them. Waves of 64
// walks give an odd number of waves at 2 ranks, so a rank that did not
// know would hang the job rather than only lose rows.
TEST(RankGroupTest, AJobThatKeepsItsContextVectorsKeepsThemOnEveryRank) {
  const Communicator comm = Communicator::World();
  const EdgeList edges = RandomEdges(400, /*weighted=*/false, 29);
  EmbedOptions o = JobOptions();
  o.keep_context = true;
  constexpr uint64_t kWalksPerWave = 64;
  const auto part = PartitionOrDie(comm, edges, false);
  auto direct = distributed::EmbedDistributed(
      comm, part, {.embed = o, .walks_per_wave = kWalksPerWave});
  ASSERT_TRUE(direct.ok()) << direct.status();
  const std::vector<float> expected = RowValues(GatherAll(comm, direct->context));
  RankGroup group(comm, kWalksPerWave);
  if (!group.leader()) {
    EXPECT_TRUE(group.Follow().ok());
    return;
  }
  const CsrGraph whole = WholeOrDie(edges, false);
  absl::StatusOr<EmbedResult> result = group.Embed(whole, o, {});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->context.size(), whole.num_nodes());
  EXPECT_EQ(RowValues(result->context), expected);
  EXPECT_TRUE(group.Stop().ok());
}

// Each rank may bring its own watch options (an MPMD command line): when
// the last rank refuses its own, no rank starts a watch, every rank says
// so, and the ranks stay in step for their next collective.
TEST(RankWatchTest, OptionsOneRankRefusesStartNoWatch) {
  const Communicator world = Communicator::World();
  const int last = world.size() - 1;
  const absl::Duration timeout =
      world.rank() == last ? absl::Milliseconds(10) : absl::Seconds(30);
  auto started = distributed::RankWatch::Start(world, {.timeout = timeout});
  ASSERT_FALSE(started.ok());
  if (world.rank() == last) {
    EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  } else {
    EXPECT_EQ(started.status(),
              absl::AbortedError(absl::StrCat("rank ", last, " failed: its rank watch options")));
  }
  std::vector<uint64_t> in_step = {1};
  ASSERT_TRUE(world.SumAll(std::span<uint64_t>(in_step)).ok());
  EXPECT_EQ(in_step[0], static_cast<uint64_t>(world.size()));
}

// The leader's heartbeats name the job whose cancel is raised there; a
// follower raises its flag only while it runs that job.
TEST(RankWatchTest, TheLeadersCancelReachesTheFollowersRunningThatJob) {
  const Communicator world = Communicator::World();
  if (world.size() == 1) GTEST_SKIP() << "no follower at one rank";
  auto started = distributed::RankWatch::Start(
      world, {.timeout = absl::Seconds(5), .interval = absl::Milliseconds(20)});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<distributed::RankWatch> watch = *std::move(started);
  const std::atomic<bool> raised{true};
  if (world.rank() == 0) watch->RelayCancel(7, &raised);
  // The watch's thread is in MPI too: calls take turns with it.
  const Communicator watched = world.Watched(watch->loss());
  auto in_step = [&] {
    std::vector<uint64_t> one = {1};
    ASSERT_TRUE(watched.SumAll(std::span<uint64_t>(one)).ok());
  };
  in_step();
  if (world.rank() != 0) {
    // Another job: the leader's cancel is not its.
    const std::atomic<bool>* other = watch->CancelOf(6);
    absl::SleepFor(absl::Milliseconds(300));
    EXPECT_FALSE(other->load());
    const std::atomic<bool>* cancel = watch->CancelOf(7);
    const absl::Time deadline = absl::Now() + absl::Seconds(3);
    while (!cancel->load() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
    EXPECT_TRUE(cancel->load());
    // The next job starts with its flag lowered.
    EXPECT_FALSE(watch->CancelOf(8)->load());
  }
  in_step();
  if (world.rank() == 0) watch->RelayCancel(0, nullptr);
  watch->Stop();
  EXPECT_FALSE(watch->loss()->happened()) << watch->loss()->status();
}

TEST(RankGroupTest, AWatchedGroupGivesTheSameBitsAndLosesNoRank) {
  const Communicator world = Communicator::World();
  EXPECT_EQ(distributed::RankWatch::Start(world, {.timeout = absl::Milliseconds(10)})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  const EdgeList edges = RandomEdges(300, /*weighted=*/false, 5);
  const EmbedOptions o = JobOptions();
  const CsrGraph whole = WholeOrDie(edges, false);
  // The unwatched group's vectors, then the watched group's.
  std::vector<std::vector<float>> runs;
  for (bool watched : {false, true}) {
    std::unique_ptr<distributed::RankWatch> watch;
    Communicator comm = world;
    if (watched) {
      auto started = distributed::RankWatch::Start(world, {.timeout = absl::Seconds(30)});
      ASSERT_TRUE(started.ok()) << started.status();
      watch = *std::move(started);
      comm = world.Watched(watch->loss());
    }
    RankGroup group(comm);
    if (!group.leader()) {
      EXPECT_TRUE(group.Follow().ok());
    } else {
      absl::StatusOr<EmbedResult> result = group.Embed(whole, o, {});
      ASSERT_TRUE(result.ok()) << result.status();
      runs.emplace_back(result->embeddings.data(),
                        result->embeddings.data() +
                            whole.num_nodes() * result->embeddings.stride());
      EXPECT_TRUE(group.Stop().ok());
    }
    if (watch != nullptr) {
      watch->Stop();
      EXPECT_FALSE(watch->loss()->happened()) << watch->loss()->status();
    }
  }
  if (world.rank() == 0) {
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0], runs[1]);
  }
}

}  // namespace
}  // namespace n2v::testing
