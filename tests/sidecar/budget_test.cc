// Memory admission in-process: uploads and jobs over a 1 MiB budget are
// refused with RESOURCE_EXHAUSTED and the numbers, nothing else is
// disturbed, and the server goes on with graphs that fit.
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "memory_budget.h"
#include "n2v/embed.h"
#include "n2v/memory_model.h"
#include "params.h"
#include "test_util.h"

namespace n2v::sidecar {
namespace {

using testing::Describe;
using testing::Header;
using testing::Upload;
using testing::UploadMessages;

constexpr uint64_t kBudget = uint64_t{1} << 20;

class BudgetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options = testing::SmallServerOptions();
    options.service.memory_budget_bytes = kBudget;
    server_ = testing::StartServer(options);
    ASSERT_NE(server_, nullptr);
    stub_ = testing::Connect(server_->port());
  }
  uint64_t used() const { return server_->service().budget().used(); }

  std::unique_ptr<SidecarServer> server_;
  std::unique_ptr<v1::N2v::Stub> stub_;
};

// With the expected size in the header the whole upload is charged at once,
// before anything arrives: the message's numbers are exact.
TEST_F(BudgetTest, UploadRefusedAtTheHeader) {
  const EdgeList edges = testing::RandomGraph(20000, 100000, 1);
  v1::SnapshotHeader header = Header(false, false);
  header.set_expected_edges(100000);
  v1::Snapshot snapshot;
  const grpc::Status status =
      Upload(*stub_, UploadMessages(header, edges, 10000), &snapshot);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << Describe(status);
  // Two columns of 100000 int64 ids.
  EXPECT_EQ(status.error_message(),
            "memory budget exceeded: snapshot upload needs 1.5 MiB (1600000 "
            "bytes), 0 B of 1.0 MiB are in use");
  EXPECT_EQ(used(), 0u);
}

TEST_F(BudgetTest, UploadRefusedWhileReceiving) {
  const v1::Snapshot small = testing::UploadOrDie(
      *stub_, testing::ReadDataset(testing::kKarate, false));
  const uint64_t before = used();
  ASSERT_EQ(before, small.memory_bytes());
  v1::Snapshot snapshot;
  const grpc::Status status =
      Upload(*stub_,
             UploadMessages(Header(false, false),
                            testing::RandomGraph(20000, 100000, 1), 5000),
             &snapshot);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << Describe(status);
  const std::regex expected(
      "memory budget exceeded: snapshot upload needs [0-9.]+ (KiB|MiB) "
      "\\([0-9]+ bytes\\), [0-9.]+ (B|KiB|MiB) of 1\\.0 MiB are in use");
  EXPECT_TRUE(std::regex_match(status.error_message(), expected))
      << status.error_message();
  // Nothing else disturbed: the small snapshot is still there, the charge
  // is back where it was, and a small graph still fits.
  EXPECT_TRUE(testing::BudgetSettlesAt(*server_, before)) << used();
  grpc::ClientContext context;
  v1::ListSnapshotsResponse list;
  ASSERT_TRUE(stub_->ListSnapshots(&context, {}, &list).ok());
  ASSERT_EQ(list.snapshots_size(), 1);
  EXPECT_EQ(list.snapshots(0).snapshot_id(), small.snapshot_id());
  const v1::Snapshot ring = testing::UploadOrDie(*stub_, testing::Ring(100));
  EXPECT_EQ(used(), before + ring.memory_bytes());
}

// Regression: expected counts far beyond any budget were reserved in memory
// before the budget was asked, which threw and took the whole server down.
TEST_F(BudgetTest, HugeExpectedCountsAreRefusedNotAllocated) {
  struct Case {
    uint64_t expected_edges;
    uint64_t expected_nodes;
  };
  const std::vector<Case> cases = {
      {uint64_t{1} << 40, 0},
      {0, uint64_t{1} << 62},
      {~uint64_t{0}, ~uint64_t{0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected_edges);
    v1::SnapshotHeader header = Header(false, true);
    header.set_expected_edges(c.expected_edges);
    header.set_expected_nodes(c.expected_nodes);
    v1::Snapshot snapshot;
    const grpc::Status status =
        Upload(*stub_, UploadMessages(header, testing::Ring(3)), &snapshot);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << Describe(status);
    EXPECT_TRUE(status.error_message().starts_with(
        "memory budget exceeded: snapshot upload needs "))
        << status.error_message();
  }
  EXPECT_EQ(used(), 0u);
  testing::UploadOrDie(*stub_, testing::Ring(3));
}

TEST_F(BudgetTest, JobRefusedWithTheNumbers) {
  const v1::Snapshot snapshot = testing::UploadOrDie(
      *stub_, testing::ReadDataset(testing::kKarate, false));
  const uint64_t before = used();
  // Deterministic training keeps per-shard row copies of about 1 MiB; the
  // plain mode's needs are mostly the two matrices.
  v1::Node2VecParams small_params = testing::SmallParams();
  small_params.set_deterministic(false);
  v1::Node2VecParams params = small_params;
  params.set_embedding_dimension(4096);
  const EmbedOptions options = ToEmbedOptions(params);
  const uint64_t need = EstimateEmbedMemory(34, 156, false, options).peak;
  ASSERT_GT(need, kBudget - before);

  // The estimate says so too.
  v1::EstimateJobRequest estimate_request;
  estimate_request.set_snapshot_id(snapshot.snapshot_id());
  *estimate_request.mutable_params() = params;
  v1::Estimate estimate;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->EstimateJob(&context, estimate_request, &estimate).ok());
  }
  EXPECT_FALSE(estimate.fits());
  EXPECT_EQ(estimate.job_bytes(), need);
  EXPECT_EQ(estimate.free_bytes(), kBudget - before);
  EXPECT_EQ(estimate.budget_bytes(), kBudget);

  grpc::ClientContext context;
  v1::StartJobRequest request;
  request.set_snapshot_id(snapshot.snapshot_id());
  *request.mutable_params() = params;
  v1::Job job;
  const grpc::Status status = stub_->StartJob(&context, request, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << Describe(status);
  EXPECT_EQ(status.error_message(),
            "memory budget exceeded: job on snapshot " +
                snapshot.snapshot_id() + " needs " + HumanBytes(need) + " (" +
                std::to_string(need) + " bytes), " + HumanBytes(before) +
                " of 1.0 MiB are in use");
  EXPECT_EQ(used(), before);
  {
    grpc::ClientContext list_context;
    v1::ListJobsResponse jobs;
    ASSERT_TRUE(stub_->ListJobs(&list_context, {}, &jobs).ok());
    EXPECT_EQ(jobs.jobs_size(), 0);
  }

  // A job that fits still runs, and everything is given back afterwards.
  const v1::Job small =
      testing::StartJobOrDie(*stub_, snapshot.snapshot_id(), small_params);
  testing::WaitSucceeded(*stub_, small.job_id());
  EXPECT_EQ(testing::Fetch(*stub_, small.job_id()).ids.size(), 34u);
  {
    grpc::ClientContext c;
    v1::DeleteJobRequest r;
    r.set_job_id(small.job_id());
    v1::DeleteJobResponse response;
    ASSERT_TRUE(stub_->DeleteJob(&c, r, &response).ok());
  }
  EXPECT_TRUE(testing::BudgetSettlesAt(*server_, before)) << used();
}

}  // namespace
}  // namespace n2v::sidecar
