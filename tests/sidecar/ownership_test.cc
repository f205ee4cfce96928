// Owners and the named-graph catalog through the API: what one owner makes,
// another cannot see, read, follow, cancel, fetch or delete (NOT_FOUND, as
// for a missing id, and absent from listings); a trusted token acts for the
// users it names and an admin sees everyone's work; an untrusted token may
// not name users; graph names are per owner; a job's vectors can be kept on
// a named graph and read back from there.
#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "auth.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace n2v::sidecar {
namespace {

using testing::Describe;

using Metadata = std::vector<std::pair<std::string, std::string>>;

Metadata As(const std::string& token, const std::string& user = "",
            bool admin = false) {
  Metadata m = {{"authorization", "Bearer " + token}};
  if (!user.empty()) {
    m.push_back({kUserMetadata, user});
    m.push_back({kDatabaseMetadata, "neo4j"});
  }
  if (admin) m.push_back({kAdminMetadata, "true"});
  return m;
}

class OwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options = testing::SmallServerOptions();
    options.service.tokens.Add("alice-token", {"alice", false});
    options.service.tokens.Add("bob-token", {"bob", false});
    options.service.tokens.Add("plugin-token", {"plugin", true});
    server_ = testing::StartServer(options);
    ASSERT_NE(server_, nullptr);
  }
  std::unique_ptr<v1::N2v::Stub> Stub(const Metadata& metadata) {
    return testing::ConnectWithMetadata(server_->port(), metadata);
  }
  std::unique_ptr<SidecarServer> server_;
};

// Every RPC that takes an id, made by another owner.
std::vector<std::pair<std::string, grpc::Status>> EveryLookup(
    v1::N2v::Stub& stub, const std::string& snapshot_id,
    const std::string& job_id) {
  std::vector<std::pair<std::string, grpc::Status>> out;
  auto call = [&](const std::string& name, auto fn) {
    grpc::ClientContext context;
    out.push_back({name, fn(context)});
  };
  call("GetSnapshot", [&](grpc::ClientContext& c) {
    v1::GetSnapshotRequest r;
    r.set_snapshot_id(snapshot_id);
    v1::Snapshot s;
    return stub.GetSnapshot(&c, r, &s);
  });
  call("EstimateJob", [&](grpc::ClientContext& c) {
    v1::EstimateJobRequest r;
    r.set_snapshot_id(snapshot_id);
    v1::Estimate e;
    return stub.EstimateJob(&c, r, &e);
  });
  call("StartJob", [&](grpc::ClientContext& c) {
    v1::StartJobRequest r;
    r.set_snapshot_id(snapshot_id);
    *r.mutable_params() = testing::SmallParams(8);
    v1::Job j;
    return stub.StartJob(&c, r, &j);
  });
  call("GetJob", [&](grpc::ClientContext& c) {
    v1::GetJobRequest r;
    r.set_job_id(job_id);
    v1::Job j;
    return stub.GetJob(&c, r, &j);
  });
  call("WatchJob", [&](grpc::ClientContext& c) {
    v1::WatchJobRequest r;
    r.set_job_id(job_id);
    auto reader = stub.WatchJob(&c, r);
    v1::JobProgress p;
    while (reader->Read(&p)) {
    }
    return reader->Finish();
  });
  call("FetchEmbeddings", [&](grpc::ClientContext& c) {
    v1::FetchEmbeddingsRequest r;
    r.set_job_id(job_id);
    auto reader = stub.FetchEmbeddings(&c, r);
    v1::EmbeddingChunk chunk;
    while (reader->Read(&chunk)) {
    }
    return reader->Finish();
  });
  call("EdgeFeatures", [&](grpc::ClientContext& c) {
    v1::EdgeFeaturesRequest r;
    r.set_job_id(job_id);
    r.set_operator_(v1::EDGE_OPERATOR_AVERAGE);
    auto reader = stub.EdgeFeatures(&c, r);
    v1::FeatureChunk chunk;
    while (reader->Read(&chunk)) {
    }
    return reader->Finish();
  });
  call("PairFeatures", [&](grpc::ClientContext& c) {
    auto stream = stub.PairFeatures(&c);
    v1::PairFeaturesRequest header;
    header.mutable_header()->set_job_id(job_id);
    header.mutable_header()->set_operator_(v1::EDGE_OPERATOR_AVERAGE);
    stream->Write(header);
    v1::PairFeaturesRequest pairs;
    pairs.mutable_pairs()->add_source(0);
    pairs.mutable_pairs()->add_target(0);
    stream->Write(pairs);
    stream->WritesDone();
    v1::FeatureChunk chunk;
    while (stream->Read(&chunk)) {
    }
    return stream->Finish();
  });
  call("CancelJob", [&](grpc::ClientContext& c) {
    v1::CancelJobRequest r;
    r.set_job_id(job_id);
    v1::Job j;
    return stub.CancelJob(&c, r, &j);
  });
  call("DeleteJob", [&](grpc::ClientContext& c) {
    v1::DeleteJobRequest r;
    r.set_job_id(job_id);
    v1::DeleteJobResponse d;
    return stub.DeleteJob(&c, r, &d);
  });
  call("DeleteSnapshot", [&](grpc::ClientContext& c) {
    v1::DeleteSnapshotRequest r;
    r.set_snapshot_id(snapshot_id);
    v1::DeleteSnapshotResponse d;
    return stub.DeleteSnapshot(&c, r, &d);
  });
  return out;
}

std::vector<std::string> JobIds(v1::N2v::Stub& stub, const std::string& tracking = "") {
  grpc::ClientContext context;
  v1::ListJobsRequest request;
  request.set_tracking_id(tracking);
  v1::ListJobsResponse list;
  EXPECT_TRUE(stub.ListJobs(&context, request, &list).ok());
  std::vector<std::string> ids;
  for (const auto& j : list.jobs()) ids.push_back(j.job_id());
  return ids;
}

std::vector<std::string> SnapshotIds(v1::N2v::Stub& stub) {
  grpc::ClientContext context;
  v1::ListSnapshotsResponse list;
  EXPECT_TRUE(stub.ListSnapshots(&context, {}, &list).ok());
  std::vector<std::string> ids;
  for (const auto& s : list.snapshots()) ids.push_back(s.snapshot_id());
  return ids;
}

void ExpectNobodyElseSees(v1::N2v::Stub& other, const v1::Snapshot& snapshot,
                          const v1::Job& job) {
  for (const auto& [rpc, status] : EveryLookup(other, snapshot.snapshot_id(),
                                              job.job_id())) {
    SCOPED_TRACE(rpc);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(status);
    const bool job_rpc = rpc.find("Job") != std::string::npos ||
                         rpc == "FetchEmbeddings" || rpc == "EdgeFeatures" ||
                         rpc == "PairFeatures";
    const bool snapshot_rpc = rpc == "GetSnapshot" || rpc == "EstimateJob" ||
                              rpc == "StartJob" || rpc == "DeleteSnapshot";
    EXPECT_EQ(status.error_message(),
              snapshot_rpc ? "snapshot '" + snapshot.snapshot_id() + "' not found"
              : job_rpc    ? "job '" + job.job_id() + "' not found"
                           : "");
  }
  const std::vector<std::string> jobs = JobIds(other);
  const std::vector<std::string> snapshots = SnapshotIds(other);
  EXPECT_EQ(std::count(jobs.begin(), jobs.end(), job.job_id()), 0);
  EXPECT_EQ(std::count(snapshots.begin(), snapshots.end(), snapshot.snapshot_id()), 0);
}

TEST_F(OwnershipTest, TokensOwnTheirWorkAndNobodyElseSeesIt) {
  auto alice = Stub(As("alice-token"));
  auto bob = Stub(As("bob-token"));
  const v1::Snapshot snapshot = testing::UploadOrDie(*alice, testing::Ring(30));
  EXPECT_EQ(snapshot.owner().user(), "alice");
  const v1::Job job =
      testing::StartJobOrDie(*alice, snapshot.snapshot_id(), testing::SmallParams(8));
  EXPECT_EQ(job.owner().user(), "alice");
  testing::WaitSucceeded(*alice, job.job_id());

  ExpectNobodyElseSees(*bob, snapshot, job);
  EXPECT_TRUE(JobIds(*bob).empty());
  EXPECT_TRUE(SnapshotIds(*bob).empty());
  // Alice still has it all.
  EXPECT_EQ(JobIds(*alice), std::vector<std::string>{job.job_id()});
  EXPECT_EQ(SnapshotIds(*alice), std::vector<std::string>{snapshot.snapshot_id()});
  EXPECT_TRUE(testing::Fetch(*alice, job.job_id()).status.ok());
}

TEST_F(OwnershipTest, ATrustedTokenActsForUsersAndAdminsSeeEveryone) {
  auto plugin_alice = Stub(As("plugin-token", "alice"));
  auto plugin_bob = Stub(As("plugin-token", "bob"));
  auto plugin_admin = Stub(As("plugin-token", "root", /*admin=*/true));
  auto plain_plugin = Stub(As("plugin-token"));
  const v1::Snapshot a = testing::UploadOrDie(*plugin_alice, testing::Ring(20));
  const v1::Job a_job =
      testing::StartJobOrDie(*plugin_alice, a.snapshot_id(), testing::SmallParams(8));
  const v1::Snapshot b = testing::UploadOrDie(*plugin_bob, testing::Ring(21));
  const v1::Job b_job =
      testing::StartJobOrDie(*plugin_bob, b.snapshot_id(), testing::SmallParams(8));
  EXPECT_EQ(a_job.owner().user(), "alice");
  EXPECT_EQ(a_job.owner().database(), "neo4j");
  testing::WaitSucceeded(*plugin_alice, a_job.job_id());
  testing::WaitSucceeded(*plugin_bob, b_job.job_id());

  ExpectNobodyElseSees(*plugin_bob, a, a_job);
  // The plugin's own name is a third owner.
  EXPECT_TRUE(JobIds(*plain_plugin).empty());

  std::vector<std::string> all = JobIds(*plugin_admin);
  std::sort(all.begin(), all.end());
  std::vector<std::string> expected = {a_job.job_id(), b_job.job_id()};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all, expected);
  EXPECT_EQ(SnapshotIds(*plugin_admin).size(), 2u);
  EXPECT_TRUE(testing::Fetch(*plugin_admin, a_job.job_id()).status.ok());
  grpc::ClientContext context;
  v1::DeleteJobRequest request;
  request.set_job_id(b_job.job_id());
  v1::DeleteJobResponse deleted;
  EXPECT_TRUE(plugin_admin->DeleteJob(&context, request, &deleted).ok());
  EXPECT_TRUE(JobIds(*plugin_bob).empty());
}

TEST_F(OwnershipTest, AnUntrustedTokenMayNotNameAUser) {
  for (const Metadata& m : {As("alice-token", "bob"), As("alice-token", "", true)}) {
    auto stub = Stub(m);
    grpc::ClientContext context;
    v1::ListSnapshotsResponse list;
    const grpc::Status status = stub->ListSnapshots(&context, {}, &list);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(status.error_message(),
              "token 'alice' may not act for other users: n2v-user, "
              "n2v-database and n2v-admin need a token marked trusted in the "
              "server's token file");
    EXPECT_EQ(status.error_message().find("alice-token"), std::string::npos);
  }
}

v1::Snapshot UploadNamed(v1::N2v::Stub& stub, const std::string& graph_name,
                         grpc::Status* status) {
  v1::SnapshotHeader header = testing::Header(false, false);
  header.set_graph_name(graph_name);
  header.set_projection(R"({"nodeProjection":"*"})");
  v1::Snapshot snapshot;
  *status = testing::Upload(stub, testing::UploadMessages(header, testing::Ring(25)),
                            &snapshot);
  return snapshot;
}

TEST_F(OwnershipTest, GraphNamesArePerOwnerAndHoldMutatedVectors) {
  auto alice = Stub(As("alice-token"));
  auto bob = Stub(As("bob-token"));
  grpc::Status status;
  const v1::Snapshot graph = UploadNamed(*alice, "g", &status);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(graph.graph_name(), "g");
  EXPECT_EQ(graph.projection(), R"({"nodeProjection":"*"})");
  UploadNamed(*alice, "g", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(status.error_message(), "a graph named 'g' already exists");
  const v1::Snapshot bobs_graph = UploadNamed(*bob, "g", &status);  // his own
  EXPECT_TRUE(status.ok()) << Describe(status);

  // A job on the named graph that keeps its vectors there.
  const uint64_t before = server_->service().budget().used();
  grpc::ClientContext start_context;
  v1::StartJobRequest start;
  start.set_graph_name("g");
  start.set_mutate_property("emb");
  start.set_tracking_id("weekly");
  *start.mutable_params() = testing::SmallParams(8);
  v1::Job job;
  ASSERT_TRUE(alice->StartJob(&start_context, start, &job).ok());
  EXPECT_EQ(job.graph_name(), "g");
  EXPECT_EQ(job.tracking_id(), "weekly");
  testing::WaitSucceeded(*alice, job.job_id());
  EXPECT_EQ(JobIds(*alice, "weekly"), std::vector<std::string>{job.job_id()});
  EXPECT_TRUE(JobIds(*bob, "weekly").empty());

  grpc::ClientContext get_context;
  v1::GetSnapshotRequest get;
  get.set_graph_name("g");
  v1::Snapshot got;
  ASSERT_TRUE(alice->GetSnapshot(&get_context, get, &got).ok());
  EXPECT_EQ(got.snapshot_id(), graph.snapshot_id());
  EXPECT_EQ(std::vector<std::string>(got.node_properties().begin(),
                                     got.node_properties().end()),
            std::vector<std::string>{"emb"});

  // The property streams the job's vectors, for its owner only.
  const testing::Fetched from_job = testing::Fetch(*alice, job.job_id());
  auto fetch_property = [](v1::N2v::Stub& stub) {
    grpc::ClientContext context;
    v1::FetchEmbeddingsRequest request;
    request.set_graph_name("g");
    request.set_node_property("emb");
    auto reader = stub.FetchEmbeddings(&context, request);
    testing::Fetched out;
    v1::EmbeddingChunk chunk;
    while (reader->Read(&chunk)) testing::AppendChunk(chunk, out);
    out.status = reader->Finish();
    return out;
  };
  const testing::Fetched from_graph = fetch_property(*alice);
  ASSERT_TRUE(from_graph.status.ok()) << Describe(from_graph.status);
  EXPECT_EQ(from_graph.ids, from_job.ids);
  EXPECT_EQ(from_graph.vectors, from_job.vectors);
  const testing::Fetched bobs = fetch_property(*bob);
  EXPECT_EQ(bobs.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(bobs.status.error_message(), "graph 'g' has no node property 'emb'");
  // The vectors are charged while the graph holds them, freed with it.
  EXPECT_GE(server_->service().budget().used(), before + 25u * 16 * sizeof(float));
  grpc::ClientContext delete_job_context;
  v1::DeleteJobRequest delete_job;
  delete_job.set_job_id(job.job_id());
  v1::DeleteJobResponse deleted_job;
  ASSERT_TRUE(alice->DeleteJob(&delete_job_context, delete_job, &deleted_job).ok());
  grpc::ClientContext drop_context;
  v1::DeleteSnapshotRequest drop;
  drop.set_graph_name("g");
  v1::DeleteSnapshotResponse dropped;
  ASSERT_TRUE(alice->DeleteSnapshot(&drop_context, drop, &dropped).ok());
  EXPECT_EQ(fetch_property(*alice).status.error_message(), "graph 'g' not found");
  // Only bob's "g" is left charged.
  EXPECT_TRUE(testing::BudgetSettlesAt(*server_, bobs_graph.memory_bytes()));
}

TEST_F(OwnershipTest, MutateNeedsANamedGraph) {
  auto alice = Stub(As("alice-token"));
  const v1::Snapshot snapshot = testing::UploadOrDie(*alice, testing::Ring(10));
  grpc::ClientContext context;
  v1::StartJobRequest start;
  start.set_snapshot_id(snapshot.snapshot_id());
  start.set_mutate_property("emb");
  v1::Job job;
  const grpc::Status status = alice->StartJob(&context, start, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "mutate_property needs graph_name: node properties are stored on "
            "named graphs");
}

// Change tracking under the same name is per owner: bob's upload is not
// compared with alice's graph.
TEST_F(OwnershipTest, ChangeTrackingIsPerOwner) {
  auto alice = Stub(As("alice-token"));
  auto bob = Stub(As("bob-token"));
  v1::SnapshotHeader header = testing::Header(false, false, "movies");
  header.set_track_changes(true);
  v1::Snapshot first, second, third;
  ASSERT_TRUE(testing::Upload(*alice, testing::UploadMessages(header, testing::Ring(10)),
                              &first).ok());
  ASSERT_TRUE(testing::Upload(*bob, testing::UploadMessages(header, testing::Ring(12)),
                              &second).ok());
  EXPECT_EQ(second.previous_snapshot_id(), "");
  ASSERT_TRUE(testing::Upload(*alice, testing::UploadMessages(header, testing::Ring(11)),
                              &third).ok());
  EXPECT_EQ(third.previous_snapshot_id(), first.snapshot_id());
}

TEST(TokenFileTest, NamesAndTrust) {
  testing::ScratchDir dir;
  const std::string path = dir.File("tokens");
  {
    std::ofstream out(path);
    out << "# token  name  trust\n"
        << "plain-secret\n"
        << "alice-secret alice\n\n"
        << "plugin-secret\tplugin   trusted\n";
  }
  absl::StatusOr<TokenSet> tokens = TokenSet::FromFile(path);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  const TokenSet::Identity* plain = tokens->Find("Bearer plain-secret");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->name, "default");
  EXPECT_FALSE(plain->trusted);
  EXPECT_EQ(tokens->Find("Bearer alice-secret")->name, "alice");
  EXPECT_FALSE(tokens->Find("Bearer alice-secret")->trusted);
  EXPECT_TRUE(tokens->Find("Bearer plugin-secret")->trusted);
  EXPECT_EQ(tokens->Find("Bearer nope"), nullptr);
  EXPECT_EQ(tokens->Find("plugin-secret"), nullptr);  // no scheme

  for (const std::string& bad : {"s3cret alice admin\n", "s3cret a b c\n"}) {
    std::ofstream(path) << "ok-token\n" << bad;
    absl::StatusOr<TokenSet> refused = TokenSet::FromFile(path);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(refused.status().message()),
              "--token-file: " + path + ":2: expected '<token> [<name> [trusted]]'");
  }
}

}  // namespace
}  // namespace n2v::sidecar
