// Job RPCs in-process: estimates, the life of a job (start, watch, get,
// list, cancel, delete), parameter checks with their exact messages,
// cancellation mid-training, retention, concurrent clients, and a lock
// order regression in JobManager.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "auth.h"
#include "job_manager.h"
#include "n2v/embed.h"
#include "n2v/memory_model.h"
#include "params.h"
#include "test_util.h"

namespace n2v::sidecar {
namespace {

using testing::Describe;
using testing::SmallParams;
using testing::TestServer;

grpc::Status GetJob(v1::N2v::Stub& stub, const std::string& id, v1::Job* job) {
  grpc::ClientContext context;
  v1::GetJobRequest request;
  request.set_job_id(id);
  return stub.GetJob(&context, request, job);
}

grpc::Status CancelJob(v1::N2v::Stub& stub, const std::string& id,
                       v1::Job* job) {
  grpc::ClientContext context;
  v1::CancelJobRequest request;
  request.set_job_id(id);
  return stub.CancelJob(&context, request, job);
}

grpc::Status DeleteJob(v1::N2v::Stub& stub, const std::string& id) {
  grpc::ClientContext context;
  v1::DeleteJobRequest request;
  request.set_job_id(id);
  v1::DeleteJobResponse response;
  return stub.DeleteJob(&context, request, &response);
}

grpc::Status DeleteSnapshot(v1::N2v::Stub& stub, const std::string& id) {
  grpc::ClientContext context;
  v1::DeleteSnapshotRequest request;
  request.set_snapshot_id(id);
  v1::DeleteSnapshotResponse response;
  return stub.DeleteSnapshot(&context, request, &response);
}

grpc::Status Estimate(v1::N2v::Stub& stub,
                      const v1::EstimateJobRequest& request,
                      v1::Estimate* estimate) {
  grpc::ClientContext context;
  return stub.EstimateJob(&context, request, estimate);
}

std::vector<v1::Job> ListJobs(v1::N2v::Stub& stub) {
  grpc::ClientContext context;
  v1::ListJobsResponse response;
  const grpc::Status status = stub.ListJobs(&context, {}, &response);
  EXPECT_TRUE(status.ok()) << Describe(status);
  return {response.jobs().begin(), response.jobs().end()};
}

// Progress messages: phases never go back, overall_fraction never decreases
// within a phase, and exactly the last message is final.
void ExpectWellFormedProgress(const std::vector<v1::JobProgress>& messages) {
  ASSERT_FALSE(messages.empty());
  for (size_t i = 0; i < messages.size(); ++i) {
    const v1::JobProgress& m = messages[i];
    EXPECT_GE(m.overall_fraction(), 0.0) << i;
    EXPECT_LE(m.overall_fraction(), 1.0) << i;
    const bool final = m.state() == v1::JOB_STATE_SUCCEEDED ||
                       m.state() == v1::JOB_STATE_FAILED ||
                       m.state() == v1::JOB_STATE_CANCELLED;
    EXPECT_EQ(final, i + 1 == messages.size()) << i << ": " << m.DebugString();
    if (i == 0) continue;
    const v1::JobProgress& prev = messages[i - 1];
    EXPECT_GE(m.phase(), prev.phase()) << i;
    if (m.phase() == prev.phase()) {
      EXPECT_GE(m.overall_fraction(), prev.overall_fraction()) << i;
      EXPECT_GE(m.phase_fraction(), prev.phase_fraction()) << i;
    }
  }
}

TEST(EstimateJobTest, ForAnUploadedSnapshot) {
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  const v1::Snapshot snapshot = testing::UploadOrDie(
      *t.stub, testing::ReadDataset(testing::kKarate, false));
  v1::EstimateJobRequest request;
  request.set_snapshot_id(snapshot.snapshot_id());
  *request.mutable_params() = SmallParams(16);
  v1::Estimate estimate;
  const grpc::Status status = Estimate(*t.stub, request, &estimate);
  ASSERT_TRUE(status.ok()) << Describe(status);

  const EmbedOptions options = ToEmbedOptions(SmallParams(16));
  // Karate: 34 nodes, 78 edges stored both ways.
  const EmbedMemory need = EstimateEmbedMemory(34, 156, false, options);
  EXPECT_EQ(estimate.graph_bytes(), 0u);
  EXPECT_EQ(estimate.job_bytes(), need.peak);
  EXPECT_EQ(estimate.result_bytes(), need.result);
  EXPECT_EQ(estimate.free_bytes(),
            t.server->service().budget().limit() - snapshot.memory_bytes());
  EXPECT_TRUE(estimate.fits());
  EXPECT_EQ(estimate.walk_nodes(), 34u * 2 * 10 * 1);
  EXPECT_GT(estimate.estimated_seconds(), 0.0);
  // The parameters the job would run with, defaults filled in.
  EXPECT_EQ(estimate.params().embedding_dimension(), 16u);
  v1::Node2VecParams expected = WithDefaults(SmallParams(16));
  expected.set_align(false);  // a cold run: nothing to align onto
  EXPECT_EQ(estimate.params().SerializeAsString(), expected.SerializeAsString());
}

struct SizeEstimateCase {
  uint64_t nodes;
  uint64_t edges;
  uint32_t dimensions;
  bool fits;
};

TEST(EstimateJobTest, ForGivenSizesAgainstTheBudget) {
  ServerOptions options = testing::SmallServerOptions();
  options.service.memory_budget_bytes = uint64_t{64} << 20;
  TestServer t(options);
  ASSERT_NE(t.server, nullptr);
  const std::vector<SizeEstimateCase> cases = {
      {.nodes = 1000, .edges = 5000, .dimensions = 16, .fits = true},
      {.nodes = 1000000, .edges = 10000000, .dimensions = 128, .fits = false},
      // A small graph, but vectors of 60000 floats: the model does not fit.
      {.nodes = 1000, .edges = 5000, .dimensions = 60000, .fits = false},
  };
  for (const SizeEstimateCase& c : cases) {
    SCOPED_TRACE(c.nodes);
    v1::EstimateJobRequest request;
    request.set_nodes(c.nodes);
    request.set_edges(c.edges);
    request.set_weighted(true);
    *request.mutable_params() = SmallParams(c.dimensions);
    v1::Estimate estimate;
    const grpc::Status status = Estimate(*t.stub, request, &estimate);
    ASSERT_TRUE(status.ok()) << Describe(status);
    const EmbedOptions o = ToEmbedOptions(request.params());
    EXPECT_EQ(estimate.graph_bytes(),
              EstimateGraphMemory(c.nodes, c.edges, false, true).build_peak);
    EXPECT_EQ(estimate.job_bytes(),
              EstimateEmbedMemory(c.nodes, 2 * c.edges, true, o).peak);
    EXPECT_EQ(estimate.free_bytes(), uint64_t{64} << 20);
    EXPECT_EQ(estimate.fits(), c.fits);
    EXPECT_EQ(estimate.fits(), estimate.graph_bytes() + estimate.job_bytes() <=
                                   estimate.free_bytes());
    EXPECT_EQ(estimate.walk_nodes(), c.nodes * 2 * 10);
  }
}

TEST(EstimateJobTest, NeedsASnapshotOrSizes) {
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  v1::Estimate estimate;
  grpc::Status status = Estimate(*t.stub, {}, &estimate);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "estimate needs snapshot_id, or nodes (> 0) and edges");
  v1::EstimateJobRequest request;
  request.set_snapshot_id("snap-missing");
  status = Estimate(*t.stub, request, &estimate);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "snapshot 'snap-missing' not found");
}

TEST(JobTest, LifeOfAJob) {
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  const v1::Snapshot snapshot =
      testing::UploadOrDie(*t.stub, testing::RandomGraph(1000, 5000, 11));
  v1::Node2VecParams params = SmallParams(16);
  params.set_walks_per_node(10);
  params.set_walk_length(40);
  params.set_iterations(2);
  const v1::Job started =
      testing::StartJobOrDie(*t.stub, snapshot.snapshot_id(), params);
  EXPECT_EQ(started.job_id().rfind("job-", 0), 0u) << started.job_id();
  EXPECT_EQ(started.snapshot_id(), snapshot.snapshot_id());
  EXPECT_EQ(started.label(), "test");
  // Always QUEUED, even when a worker starts the job at once.
  EXPECT_EQ(started.progress().state(), v1::JOB_STATE_QUEUED);
  // Unset parameters come back with their defaults filled in.
  EXPECT_EQ(started.params().negative_sampling_rate(), 5u);
  EXPECT_EQ(started.params().return_factor(), 1.0);
  EXPECT_EQ(started.params().in_out_factor(), 1.0);
  EXPECT_FLOAT_EQ(started.params().initial_learning_rate(), 0.025f);
  EXPECT_FLOAT_EQ(started.params().min_learning_rate(), 0.0001f);
  EXPECT_EQ(started.params().positive_sampling_factor(), 0.001);
  EXPECT_EQ(started.params().negative_sampling_exponent(), 0.75);
  EXPECT_EQ(started.params().walk_length(), 40u);
  EXPECT_GT(started.memory_bytes(), 0u);

  const std::vector<v1::JobProgress> progress =
      testing::Watch(*t.stub, started.job_id(), 20);
  ExpectWellFormedProgress(progress);
  EXPECT_GE(progress.size(), 2u);  // one at once, the final one
  EXPECT_EQ(progress.back().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(progress.back().phase(), v1::JOB_PHASE_DONE);
  EXPECT_EQ(progress.back().overall_fraction(), 1.0);
  for (const auto& p : progress) EXPECT_EQ(p.job_id(), started.job_id());

  v1::Job job;
  ASSERT_TRUE(GetJob(*t.stub, started.job_id(), &job).ok());
  EXPECT_EQ(job.progress().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(job.nodes(), 1000u);
  EXPECT_EQ(job.dimensions(), 16u);
  EXPECT_EQ(job.loss_per_epoch_size(), 2);
  EXPECT_GT(job.training_seconds(), 0.0);
  EXPECT_GE(job.finished_unix_ms(), job.created_unix_ms());
  // After training only the vectors stay charged.
  EXPECT_LT(job.memory_bytes(), started.memory_bytes());
  EXPECT_EQ(t.server->service().budget().used(),
            snapshot.memory_bytes() + job.memory_bytes());

  const std::vector<v1::Job> jobs = ListJobs(*t.stub);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].job_id(), started.job_id());

  // Cancelling a finished job changes nothing.
  v1::Job cancelled;
  ASSERT_TRUE(CancelJob(*t.stub, started.job_id(), &cancelled).ok());
  EXPECT_EQ(cancelled.progress().state(), v1::JOB_STATE_SUCCEEDED);

  ASSERT_TRUE(DeleteJob(*t.stub, started.job_id()).ok());
  const grpc::Status gone = GetJob(*t.stub, started.job_id(), &job);
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(gone.error_message(), "job '" + started.job_id() + "' not found");
  EXPECT_TRUE(ListJobs(*t.stub).empty());
  ASSERT_TRUE(DeleteSnapshot(*t.stub, snapshot.snapshot_id()).ok());
  EXPECT_TRUE(testing::BudgetSettlesAt(*t.server, 0))
      << t.server->service().budget().used();
}

// A job keeps its graph: deleting the snapshot while the job exists does
// not disturb it.
TEST(JobTest, DeletingTheSnapshotKeepsTheJobsGraph) {
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  const v1::Snapshot snapshot =
      testing::UploadOrDie(*t.stub, testing::Ring(20));
  const v1::Job job =
      testing::StartJobOrDie(*t.stub, snapshot.snapshot_id(), SmallParams());
  ASSERT_TRUE(DeleteSnapshot(*t.stub, snapshot.snapshot_id()).ok());
  testing::WaitSucceeded(*t.stub, job.job_id());
  EXPECT_EQ(testing::Fetch(*t.stub, job.job_id()).ids.size(), 20u);
}

struct BadParamsCase {
  std::string name;
  std::function<void(v1::Node2VecParams&)> change;
  std::string message;
};

TEST(JobTest, ParametersOutOfRange) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<BadParamsCase> cases = {
      {"return_factor", [](auto& p) { p.set_return_factor(-1); },
       "params.return_factor must be finite and > 0, got -1"},
      {"return_factor zero", [](auto& p) { p.set_return_factor(0); },
       "params.return_factor must be finite and > 0, got 0"},
      {"in_out_factor", [&](auto& p) { p.set_in_out_factor(nan); },
       "params.in_out_factor must be finite and > 0, got nan"},
      {"in_out_factor so small a step could take without end",
       [](auto& p) { p.set_in_out_factor(1e-300); },
       "params.in_out_factor must be between 0.01 and 100, got 1e-300"},
      {"return_factor so large a step could take without end",
       [](auto& p) { p.set_return_factor(1e12); },
       "params.return_factor must be between 0.0001 and 1000, got 1e+12"},
      {"walk_length", [](auto& p) { p.set_walk_length(2000000); },
       "params.walk_length must be between 1 and 1000000, got 2000000"},
      {"walk_length set to zero", [](auto& p) { p.set_walk_length(0); },
       "params.walk_length must be between 1 and 1000000, got 0"},
      {"embedding_dimension set to zero",
       [](auto& p) { p.set_embedding_dimension(0); },
       "params.embedding_dimension must be between 1 and 65536, got 0"},
      {"walks_per_node", [](auto& p) { p.set_walks_per_node(100001); },
       "params.walks_per_node must be between 1 and 100000, got 100001"},
      {"window_size", [](auto& p) { p.set_window_size(5000); },
       "params.window_size must be between 1 and 1000, got 5000"},
      {"negative_sampling_rate",
       [](auto& p) { p.set_negative_sampling_rate(1001); },
       "params.negative_sampling_rate must be between 1 and 1000, got 1001"},
      {"embedding_dimension", [](auto& p) { p.set_embedding_dimension(70000); },
       "params.embedding_dimension must be between 1 and 65536, got 70000"},
      {"iterations", [](auto& p) { p.set_iterations(5000); },
       "params.iterations must be between 1 and 1000, got 5000"},
      {"initial_learning_rate",
       [](auto& p) { p.set_initial_learning_rate(-0.5f); },
       "params.initial_learning_rate must be finite and > 0, got -0.5"},
      {"min_learning_rate above the initial one",
       [](auto& p) { p.set_min_learning_rate(0.5f); },
       "params.min_learning_rate must be between 0 and params.initial_learning_rate "
       "(0.025), got 0.5"},
      {"min_learning_rate negative",
       [](auto& p) {
         p.set_initial_learning_rate(0.1f);
         p.set_min_learning_rate(-1);
       },
       "params.min_learning_rate must be between 0 and params.initial_learning_rate "
       "(0.1), got -1"},
      {"positive_sampling_factor",
       [](auto& p) { p.set_positive_sampling_factor(-1); },
       "params.positive_sampling_factor must be finite and >= 0, got -1"},
      {"negative_sampling_exponent",
       [](auto& p) {
         p.set_negative_sampling_exponent(
             std::numeric_limits<double>::infinity());
       },
       "params.negative_sampling_exponent must be finite, got inf"},
  };
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  const v1::Snapshot snapshot =
      testing::UploadOrDie(*t.stub, testing::Ring(10));
  const uint64_t used = t.server->service().budget().used();
  for (const BadParamsCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::StartJobRequest request;
    request.set_snapshot_id(snapshot.snapshot_id());
    *request.mutable_params() = SmallParams();
    c.change(*request.mutable_params());
    grpc::ClientContext context;
    v1::Job job;
    const grpc::Status status = t.stub->StartJob(&context, request, &job);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << Describe(status);
    EXPECT_EQ(status.error_message(), c.message);
    // EstimateJob checks the same way.
    v1::EstimateJobRequest estimate_request;
    estimate_request.set_snapshot_id(snapshot.snapshot_id());
    *estimate_request.mutable_params() = request.params();
    v1::Estimate estimate;
    const grpc::Status estimated =
        Estimate(*t.stub, estimate_request, &estimate);
    EXPECT_EQ(estimated.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(estimated.error_message(), c.message);
  }
  EXPECT_TRUE(ListJobs(*t.stub).empty());
  EXPECT_EQ(t.server->service().budget().used(), used);
}

// Every call naming an unknown job or snapshot is NOT_FOUND naming the id.
TEST(JobTest, UnknownIdsAreNotFound) {
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  const std::string missing = "job-0000000000000000";
  const std::string job_message = "job '" + missing + "' not found";
  v1::Job job;
  grpc::Status status = GetJob(*t.stub, missing, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), job_message);
  status = CancelJob(*t.stub, missing, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), job_message);
  status = DeleteJob(*t.stub, missing);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), job_message);
  {
    grpc::ClientContext context;
    v1::WatchJobRequest request;
    request.set_job_id(missing);
    auto reader = t.stub->WatchJob(&context, request);
    v1::JobProgress progress;
    EXPECT_FALSE(reader->Read(&progress));
    status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), job_message);
  }
  {
    grpc::ClientContext context;
    v1::StartJobRequest request;
    request.set_snapshot_id("snap-0");
    status = t.stub->StartJob(&context, request, &job);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "snapshot 'snap-0' not found");
  }
}

// A long job, cancelled once training: its watch goes on to CANCELLED from
// RUNNING before the run's end, and it leaves no result. With one job slot a
// second job queues behind it, and can be cancelled while queued.
TEST(JobTest, CancelMidTraining) {
  ServerOptions options = testing::SmallServerOptions();
  options.service.max_jobs = 1;
  TestServer t(options);
  ASSERT_NE(t.server, nullptr);
  const v1::Snapshot big =
      testing::UploadOrDie(*t.stub, testing::RandomGraph(3000, 15000, 5));
  const v1::Snapshot small = testing::UploadOrDie(*t.stub, testing::Ring(10));
  const uint64_t graphs_bytes = big.memory_bytes() + small.memory_bytes();
  const v1::Job long_job = testing::StartJobOrDie(*t.stub, big.snapshot_id(),
                                                  testing::LongJobParams());
  const v1::Job queued =
      testing::StartJobOrDie(*t.stub, small.snapshot_id(), SmallParams());

  grpc::ClientContext context;
  v1::WatchJobRequest request;
  request.set_job_id(long_job.job_id());
  request.set_interval_ms(20);
  auto reader = t.stub->WatchJob(&context, request);
  std::vector<v1::JobProgress> progress;
  v1::JobProgress p;
  while (reader->Read(&p)) {
    progress.push_back(p);
    const bool ended =
        p.state() != v1::JOB_STATE_RUNNING && p.state() != v1::JOB_STATE_QUEUED;
    if (p.phase() == v1::JOB_PHASE_TRAINING || ended) break;
  }
  ASSERT_FALSE(progress.empty());
  ASSERT_EQ(progress.back().state(), v1::JOB_STATE_RUNNING)
      << progress.back().DebugString();
  ASSERT_EQ(progress.back().phase(), v1::JOB_PHASE_TRAINING);

  // While it runs: no vectors, no deletion; the second job waits.
  testing::Fetched early = testing::Fetch(*t.stub, long_job.job_id());
  EXPECT_EQ(early.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(early.status.error_message(),
            "job '" + long_job.job_id() +
                "' is RUNNING: vectors exist only once it has SUCCEEDED");
  grpc::Status status = DeleteJob(*t.stub, long_job.job_id());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "job '" + long_job.job_id() +
                "' is RUNNING; cancel it before deleting it");
  v1::Job job;
  ASSERT_TRUE(GetJob(*t.stub, queued.job_id(), &job).ok());
  EXPECT_EQ(job.progress().state(), v1::JOB_STATE_QUEUED);
  status = DeleteJob(*t.stub, queued.job_id());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      status.error_message(),
      "job '" + queued.job_id() + "' is QUEUED; cancel it before deleting it");
  ASSERT_TRUE(CancelJob(*t.stub, queued.job_id(), &job).ok());
  EXPECT_EQ(job.progress().state(), v1::JOB_STATE_CANCELLED);
  const std::vector<v1::JobProgress> queued_progress =
      testing::Watch(*t.stub, queued.job_id());
  ASSERT_EQ(queued_progress.size(), 1u);
  EXPECT_EQ(queued_progress[0].state(), v1::JOB_STATE_CANCELLED);

  const size_t before_cancel = progress.size();
  ASSERT_TRUE(CancelJob(*t.stub, long_job.job_id(), &job).ok());
  while (reader->Read(&p)) progress.push_back(p);
  status = reader->Finish();
  ASSERT_TRUE(status.ok()) << Describe(status);
  ExpectWellFormedProgress(progress);
  // QUEUED at first at most, RUNNING up to the cancel and perhaps a little
  // after it, then CANCELLED.
  ASSERT_GT(progress.size(), before_cancel);
  size_t i = 0;
  while (progress[i].state() == v1::JOB_STATE_QUEUED) ++i;
  for (; i + 1 < progress.size(); ++i) {
    EXPECT_EQ(progress[i].state(), v1::JOB_STATE_RUNNING) << i;
  }
  EXPECT_EQ(progress.back().state(), v1::JOB_STATE_CANCELLED);
  EXPECT_LT(progress.back().overall_fraction(), 1.0);

  const testing::Fetched late = testing::Fetch(*t.stub, long_job.job_id());
  EXPECT_EQ(late.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(late.status.error_message(),
            "job '" + long_job.job_id() +
                "' is CANCELLED: vectors exist only once it has SUCCEEDED");
  EXPECT_TRUE(late.ids.empty());
  const testing::Fetched never = testing::Fetch(*t.stub, queued.job_id());
  EXPECT_EQ(never.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // Both jobs gave their memory back; now they can be deleted.
  EXPECT_EQ(t.server->service().budget().used(), graphs_bytes);
  EXPECT_TRUE(DeleteJob(*t.stub, long_job.job_id()).ok());
  EXPECT_TRUE(DeleteJob(*t.stub, queued.job_id()).ok());
}

TEST(JobTest, RetentionDropsFinishedJobsAndUnusedSnapshots) {
  ServerOptions options = testing::SmallServerOptions();
  options.service.retention = absl::Milliseconds(200);
  TestServer t(options);
  ASSERT_NE(t.server, nullptr);
  const v1::Snapshot snapshot =
      testing::UploadOrDie(*t.stub, testing::Ring(10));
  const v1::Job job =
      testing::StartJobOrDie(*t.stub, snapshot.snapshot_id(), SmallParams());
  testing::WaitSucceeded(*t.stub, job.job_id());
  v1::Job got;
  grpc::Status status = GetJob(*t.stub, job.job_id(), &got);
  ASSERT_TRUE(status.ok()) << Describe(status);

  // Listing does not count as a use (GetSnapshot would).
  auto snapshot_gone = [&] {
    grpc::ClientContext context;
    v1::ListSnapshotsResponse list;
    EXPECT_TRUE(t.stub->ListSnapshots(&context, {}, &list).ok());
    return list.snapshots_size() == 0;
  };
  auto job_gone = [&] {
    return GetJob(*t.stub, job.job_id(), &got).error_code() ==
           grpc::StatusCode::NOT_FOUND;
  };
  // Within kHangGuard: far inside the default retention of an hour, so it is
  // the 200 ms retention that dropped them.
  EXPECT_TRUE(
      testing::Eventually([&] { return snapshot_gone() && job_gone(); }));
  status = GetJob(*t.stub, job.job_id(), &got);
  EXPECT_EQ(status.error_message(), "job '" + job.job_id() + "' not found");
  grpc::ClientContext context;
  v1::GetSnapshotRequest request;
  request.set_snapshot_id(snapshot.snapshot_id());
  v1::Snapshot s;
  status = t.stub->GetSnapshot(&context, request, &s);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "snapshot '" + snapshot.snapshot_id() + "' not found");
  EXPECT_TRUE(testing::BudgetSettlesAt(*t.server, 0))
      << t.server->service().budget().used();
}

// Four clients, each with its own channel, upload their own graph and run a
// deterministic job at once on a server with two job slots: every result
// equals the one of a sequential run, and every job is listed.
TEST(JobTest, ConcurrentClientsGetSequentialResults) {
  constexpr int kClients = 4;
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  std::vector<EdgeList> graphs;
  for (int i = 0; i < kClients; ++i) {
    graphs.push_back(testing::RandomGraph(300 + 50 * i, 1500, 100 + i));
  }
  v1::Node2VecParams params = SmallParams(12);
  params.set_walks_per_node(4);
  params.set_walk_length(20);

  std::vector<std::string> sequential(kClients);
  for (int i = 0; i < kClients; ++i) {
    const v1::Snapshot s = testing::UploadOrDie(*t.stub, graphs[i]);
    const v1::Job job =
        testing::StartJobOrDie(*t.stub, s.snapshot_id(), params);
    testing::WaitSucceeded(*t.stub, job.job_id());
    sequential[i] = testing::Fetch(*t.stub, job.job_id()).vectors;
    ASSERT_EQ(sequential[i].size(), (300 + 50 * i) * 12 * sizeof(float));
  }

  std::vector<std::string> concurrent(kClients);
  std::vector<std::string> job_ids(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto stub = testing::Connect(t.server->port());
      const v1::Snapshot s = testing::UploadOrDie(*stub, graphs[i]);
      const v1::Job job =
          testing::StartJobOrDie(*stub, s.snapshot_id(), params);
      job_ids[i] = job.job_id();
      testing::WaitSucceeded(*stub, job.job_id());
      concurrent[i] = testing::Fetch(*stub, job.job_id()).vectors;
    });
  }
  for (auto& c : clients) c.join();
  for (int i = 0; i < kClients; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(concurrent[i], sequential[i]);
  }
  const std::vector<v1::Job> jobs = ListJobs(*t.stub);
  EXPECT_EQ(jobs.size(), 2u * kClients);
  for (const v1::Job& job : jobs) {
    EXPECT_EQ(job.progress().state(), v1::JOB_STATE_SUCCEEDED) << job.job_id();
  }
  for (const std::string& id : job_ids) {
    EXPECT_TRUE(std::any_of(jobs.begin(), jobs.end(), [&](const v1::Job& j) {
      return j.job_id() == id;
    })) << id;
  }
}

// Regression: a job finishing while the retention sweep ran could deadlock
// (the worker held the job's lock and wanted the manager's; the sweep held
// the manager's and wanted the job's).
TEST(JobManagerTest, FinishingJobsDoNotDeadlockWithTheRetentionSweep) {
  MemoryBudget budget(uint64_t{1} << 30);
  auto run = std::async(std::launch::async, [&] {
    JobManager jobs(&budget, 2);
    absl::StatusOr<CsrGraph> graph = CsrGraph::Build(
        testing::Ring(8), {.directed = false, .num_threads = 1});
    EXPECT_TRUE(graph.ok());
    auto holder =
        std::make_shared<const GraphHolder>(std::move(*graph), Reservation());
    std::atomic<bool> stop{false};
    std::thread sweeper([&] {
      while (!stop) jobs.DropFinishedBefore(absl::InfinitePast());
    });
    v1::Node2VecParams params = SmallParams(4);
    params.set_walks_per_node(1);
    params.set_walk_length(5);
    params.set_concurrency(1);
    for (int i = 0; i < 40; ++i) {
      const Caller caller = AuthGate::InProcess({"", "test"});
      absl::StatusOr<v1::Job> job = jobs.Start(
          caller, {.snapshot_id = "snap", .graph = holder, .params = params});
      EXPECT_TRUE(job.ok()) << job.status();
      if (!job.ok()) break;
      absl::StatusOr<v1::JobProgress> done =
          jobs.WaitUntilDone(caller, job->job_id(), testing::kHangGuard);
      EXPECT_TRUE(done.ok()) << done.status();
      if (!done.ok()) break;
      EXPECT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED);
    }
    stop = true;
    sweeper.join();
  });
  if (run.wait_for(absl::ToChronoSeconds(testing::kHangGuard)) !=
      std::future_status::ready) {
    // Deadlocked threads cannot be joined: end the test binary.
    ADD_FAILURE() << "deadlock between finishing jobs and the sweep";
    std::fflush(stdout);
    std::_Exit(1);
  }
}

// The MPI ranks run one job at a time. A second job that needs them stays
// QUEUED while the first runs, and cancelling it takes effect at once,
// not when the first ends. The ranks here are a RankRunner whose jobs run
// in this process and hold the ranks until the test lets them go; the
// mpirun'd sidecar is tested end to end in tests/mpi.
TEST(JobManagerTest, AJobWaitingForTheRanksStaysQueuedAndCancellable) {
  MemoryBudget budget(uint64_t{1} << 30);
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  RankRunner ranks{
      .ranks = 2,
      .reembed = [&](const CsrGraph& graph, const EmbedOptions& options,
                     const ReembedOptions& reembed, const PreviousEmbedding& previous,
                     const EmbedControl& control, const OptionNames& names) {
        ++started;
        while (!release && !control.cancel->load()) absl::SleepFor(absl::Milliseconds(5));
        return Reembed(graph, options, reembed, previous, control, names);
      }};
  JobManager jobs(&budget, 2, ranks);
  absl::StatusOr<CsrGraph> graph =
      CsrGraph::Build(testing::Ring(8), {.directed = false, .num_threads = 1});
  ASSERT_TRUE(graph.ok());
  auto holder = std::make_shared<const GraphHolder>(std::move(*graph), Reservation());
  v1::Node2VecParams params = SmallParams(4);
  params.set_concurrency(1);
  const Caller caller = AuthGate::InProcess({"", "test"});
  auto start = [&] {
    absl::StatusOr<v1::Job> job =
        jobs.Start(caller, {.snapshot_id = "snap", .graph = holder, .params = params});
    EXPECT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(job->ranks(), 2u);
    return job->job_id();
  };
  auto state = [&](const std::string& id) { return jobs.Get(caller, id)->progress().state(); };
  const std::string first = start();
  const absl::Time deadline = absl::Now() + testing::kHangGuard;
  while (state(first) != v1::JOB_STATE_RUNNING && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(state(first), v1::JOB_STATE_RUNNING);
  const std::string second = start();
  const std::string third = start();
  absl::SleepFor(absl::Milliseconds(100));  // a free worker would start them now
  EXPECT_EQ(state(second), v1::JOB_STATE_QUEUED);
  EXPECT_EQ(state(third), v1::JOB_STATE_QUEUED);
  EXPECT_EQ(started, 1);
  ASSERT_TRUE(jobs.Cancel(caller, second).ok());
  EXPECT_EQ(state(second), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(state(first), v1::JOB_STATE_RUNNING);
  release = true;
  for (const std::string& id : {first, third}) {
    absl::StatusOr<v1::JobProgress> done =
        jobs.WaitUntilDone(caller, id, testing::kHangGuard);
    ASSERT_TRUE(done.ok()) << done.status();
    EXPECT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << id;
  }
  EXPECT_EQ(started, 2);  // the cancelled job never reached the ranks
}

}  // namespace
}  // namespace n2v::sidecar
