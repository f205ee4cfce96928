// Warm starts through the API: initial vectors in the upload, changed nodes
// against the previous same-named snapshot, aligned and incremental jobs,
// context vectors, and their bad inputs.
#include <cstring>

#include "gtest/gtest.h"
#include "n2v/alignment.h"
#include "test_util.h"

namespace n2v::sidecar {
namespace {

using testing::Describe;
using testing::TestServer;

// Appends initial vectors (and context) for every row of `vectors`.
void AddInitial(std::vector<v1::UploadSnapshotRequest>& messages,
                const Embeddings& vectors, const Embeddings* context) {
  v1::UploadSnapshotRequest m;
  v1::InitialVectorChunk* chunk = m.mutable_initial_vectors();
  chunk->set_dimensions(vectors.dimensions());
  std::string bytes, context_bytes;
  for (size_t r = 0; r < vectors.size(); ++r) {
    chunk->add_node_ids(vectors.id(r));
    bytes.append(reinterpret_cast<const char*>(vectors.row(r).data()),
                 vectors.dimensions() * sizeof(float));
    if (context != nullptr) {
      const auto row = context->row(*context->Find(vectors.id(r)));
      context_bytes.append(reinterpret_cast<const char*>(row.data()),
                           row.size() * sizeof(float));
    }
  }
  chunk->set_vectors(bytes);
  chunk->set_context(context_bytes);
  messages.push_back(m);
}

v1::Node2VecParams WarmParams() {
  v1::Node2VecParams p = testing::SmallParams(8);
  p.set_warm_start(true);
  p.set_align(true);
  p.set_initial_learning_rate(0.001f);
  return p;
}

TEST(WarmStartApiTest, WarmAlignedThenIncremental) {
  TestServer t;
  v1::SnapshotHeader header = testing::Header(false, false, "movies");
  header.set_track_changes(true);
  const EdgeList graph = testing::RandomGraph(300, 1500, 7);

  // Run 1: cold, keeping the context vectors.
  v1::Snapshot first;
  ASSERT_TRUE(testing::Upload(*t.stub, testing::UploadMessages(header, graph), &first).ok());
  EXPECT_EQ(first.previous_snapshot_id(), "");
  v1::Node2VecParams cold = testing::SmallParams(8);
  cold.set_keep_context(true);
  const v1::Job job1 = testing::StartJobOrDie(*t.stub, first.snapshot_id(), cold);
  testing::WaitSucceeded(*t.stub, job1.job_id());
  const Embeddings vectors1 = testing::ToEmbeddings(testing::Fetch(*t.stub, job1.job_id()));
  const testing::Fetched context_fetch = testing::FetchContext(*t.stub, job1.job_id());
  ASSERT_TRUE(context_fetch.status.ok()) << Describe(context_fetch.status);
  const Embeddings context1 = testing::ToEmbeddings(context_fetch);

  // Run 2: two more edges, warm start from run 1, aligned.
  EdgeList changed = graph;
  changed.sources.insert(changed.sources.end(), {1, 2});
  changed.targets.insert(changed.targets.end(), {250, 251});
  auto messages = testing::UploadMessages(header, changed);
  AddInitial(messages, vectors1, &context1);
  v1::Snapshot second;
  ASSERT_TRUE(testing::Upload(*t.stub, messages, &second).ok());
  EXPECT_EQ(second.previous_snapshot_id(), first.snapshot_id());
  EXPECT_EQ(second.initial_vectors(), 300u);
  EXPECT_EQ(second.changed_nodes(), 4u);  // 1, 2, 250, 251

  const v1::Job job2 = testing::StartJobOrDie(*t.stub, second.snapshot_id(), WarmParams());
  testing::WaitSucceeded(*t.stub, job2.job_id());
  v1::GetJobRequest get;
  get.set_job_id(job2.job_id());
  v1::Job done;
  grpc::ClientContext c2;
  ASSERT_TRUE(t.stub->GetJob(&c2, get, &done).ok());
  EXPECT_EQ(done.warm_started_nodes(), 300u);
  EXPECT_FALSE(done.incremental());
  EXPECT_EQ(done.drift().shared_nodes(), 300u);
  EXPECT_EQ(done.drift().measured_nodes(), 296u);  // unchanged nodes
  EXPECT_GT(done.drift().mean(), 0.0);
  EXPECT_LT(done.drift().mean(), 0.2);
  // The reported drift is the drift of the vectors one fetches.
  const Embeddings vectors2 = testing::ToEmbeddings(testing::Fetch(*t.stub, job2.job_id()));
  auto measured = MeasureDrift(vectors2, vectors1);
  ASSERT_TRUE(measured.ok());
  EXPECT_NEAR(measured->max, done.drift().max(), 1e-6);

  // Run 3: same change again uploaded incrementally: walks start only from
  // the changed nodes (none changed against run 2's graph, so the previous
  // vectors come back as they are).
  const testing::Fetched context2_fetch = testing::FetchContext(*t.stub, job2.job_id());
  ASSERT_TRUE(context2_fetch.status.ok()) << Describe(context2_fetch.status);
  const Embeddings context2 = testing::ToEmbeddings(context2_fetch);
  auto same = testing::UploadMessages(header, changed);
  AddInitial(same, vectors2, &context2);
  v1::Snapshot third;
  ASSERT_TRUE(testing::Upload(*t.stub, same, &third).ok());
  EXPECT_EQ(third.changed_nodes(), 0u);
  v1::Node2VecParams incremental = WarmParams();
  incremental.set_incremental(true);
  const v1::Job job3 = testing::StartJobOrDie(*t.stub, third.snapshot_id(), incremental);
  testing::WaitSucceeded(*t.stub, job3.job_id());
  const testing::Fetched fetched3 = testing::Fetch(*t.stub, job3.job_id());
  const testing::Fetched fetched2 = testing::Fetch(*t.stub, job2.job_id());
  EXPECT_EQ(fetched3.vectors, fetched2.vectors);
  const testing::Fetched context3 = testing::FetchContext(*t.stub, job3.job_id());
  EXPECT_EQ(context3.vectors, context2_fetch.vectors);
  get.set_job_id(job3.job_id());
  grpc::ClientContext c3;
  ASSERT_TRUE(t.stub->GetJob(&c3, get, &done).ok());
  EXPECT_TRUE(done.incremental());
  EXPECT_EQ(done.walk_start_nodes(), 0u);
  EXPECT_EQ(done.drift().mean(), 0.0);
  EXPECT_EQ(done.drift().measured_nodes(), 300u);  // all unchanged

  // Run 4: a real change, incremental: walks start from the changed nodes.
  EdgeList more = changed;
  more.sources.push_back(3);
  more.targets.push_back(260);
  auto four = testing::UploadMessages(header, more);
  AddInitial(four, vectors2, nullptr);
  v1::Snapshot fourth;
  ASSERT_TRUE(testing::Upload(*t.stub, four, &fourth).ok());
  EXPECT_EQ(fourth.changed_nodes(), 2u);
  const v1::Job job4 = testing::StartJobOrDie(*t.stub, fourth.snapshot_id(), incremental);
  testing::WaitSucceeded(*t.stub, job4.job_id());
  get.set_job_id(job4.job_id());
  grpc::ClientContext c4;
  ASSERT_TRUE(t.stub->GetJob(&c4, get, &done).ok());
  EXPECT_TRUE(done.incremental());
  EXPECT_EQ(done.walk_start_nodes(), 2u);
}

// Uploads `graph` under `name` with initial vectors for every node but
// `missing`, and returns the snapshot.
v1::Snapshot UploadWithout(v1::N2v::Stub& stub, const v1::SnapshotHeader& header,
                           const EdgeList& graph, const Embeddings& vectors,
                           const Embeddings* context, int64_t missing) {
  std::vector<int64_t> ids;
  std::vector<float> values;
  for (size_t r = 0; r < vectors.size(); ++r) {
    if (vectors.id(r) == missing) continue;
    ids.push_back(vectors.id(r));
    const auto row = vectors.row(r);
    values.insert(values.end(), row.begin(), row.end());
  }
  absl::StatusOr<Embeddings> kept =
      Embeddings::FromRows(std::move(ids), vectors.dimensions(), values);
  EXPECT_TRUE(kept.ok());
  auto messages = testing::UploadMessages(header, graph);
  AddInitial(messages, *kept, context);
  v1::Snapshot out;
  EXPECT_TRUE(testing::Upload(stub, messages, &out).ok());
  return out;
}

v1::Job GetJobOrDie(v1::N2v::Stub& stub, const std::string& job_id) {
  v1::GetJobRequest get;
  get.set_job_id(job_id);
  v1::Job job;
  grpc::ClientContext context;
  EXPECT_TRUE(stub.GetJob(&context, get, &job).ok());
  return job;
}

// A first, cold run on `graph` uploaded under `header`, keeping its
// context vectors: what the next run warm-starts from.
struct FirstRun {
  Embeddings vectors;
  Embeddings context;
};

FirstRun RunCold(v1::N2v::Stub& stub, const v1::SnapshotHeader& header,
                 const EdgeList& graph) {
  v1::Snapshot first;
  EXPECT_TRUE(testing::Upload(stub, testing::UploadMessages(header, graph), &first).ok());
  v1::Node2VecParams cold = testing::SmallParams(8);
  cold.set_keep_context(true);
  const v1::Job job = testing::StartJobOrDie(stub, first.snapshot_id(), cold);
  testing::WaitSucceeded(stub, job.job_id());
  return {testing::ToEmbeddings(testing::Fetch(stub, job.job_id())),
          testing::ToEmbeddings(testing::FetchContext(stub, job.job_id()))};
}

// Incremental jobs on an unchanged graph: nodes without a previous vector are
// walked (not left at zero), and without previous context vectors the whole
// graph is walked (a copy would hand out zero context vectors).
TEST(WarmStartApiTest, IncrementalWalksNodesWithoutPreviousVectors) {
  TestServer t;
  v1::SnapshotHeader header = testing::Header(false, false, "unchanged");
  header.set_track_changes(true);
  const EdgeList graph = testing::RandomGraph(300, 1500, 11);
  const FirstRun run1 = RunCold(*t.stub, header, graph);
  const Embeddings& vectors1 = run1.vectors;
  const Embeddings& context1 = run1.context;

  v1::Node2VecParams incremental = WarmParams();
  incremental.set_incremental(true);
  const int64_t missing = vectors1.id(17);
  const v1::Snapshot second =
      UploadWithout(*t.stub, header, graph, vectors1, &context1, missing);
  EXPECT_EQ(second.changed_nodes(), 0u);
  const v1::Job job2 = testing::StartJobOrDie(*t.stub, second.snapshot_id(), incremental);
  testing::WaitSucceeded(*t.stub, job2.job_id());
  const v1::Job done2 = GetJobOrDie(*t.stub, job2.job_id());
  EXPECT_TRUE(done2.incremental());
  EXPECT_EQ(done2.walk_start_nodes(), 1u);
  EXPECT_EQ(done2.drift().added_nodes(), 1u);
  const Embeddings vectors2 = testing::ToEmbeddings(testing::Fetch(*t.stub, job2.job_id()));
  double norm = 0;
  for (float x : vectors2.row(*vectors2.Find(missing))) norm += x * x;
  EXPECT_GT(norm, 0.0) << "node " << missing << " was left at zero";

  // The same without context vectors: a full (not incremental) run.
  const v1::Snapshot third =
      UploadWithout(*t.stub, header, graph, vectors1, nullptr, -1);
  EXPECT_EQ(third.changed_nodes(), 0u);
  const v1::Job job3 = testing::StartJobOrDie(*t.stub, third.snapshot_id(), incremental);
  testing::WaitSucceeded(*t.stub, job3.job_id());
  const v1::Job done3 = GetJobOrDie(*t.stub, job3.job_id());
  EXPECT_FALSE(done3.incremental());
  EXPECT_EQ(done3.walk_start_nodes(), 300u);
  const Embeddings context3 = testing::ToEmbeddings(testing::FetchContext(*t.stub, job3.job_id()));
  double context_norm = 0;
  for (size_t r = 0; r < context3.size(); ++r) {
    for (float x : context3.row(r)) context_norm += x * x;
  }
  EXPECT_GT(context_norm, 0.0);
}

// align works without warm_start: a cold run rotated onto the initial
// vectors, with its drift reported.
TEST(WarmStartApiTest, ColdRunCanBeAligned) {
  TestServer t;
  const EdgeList graph = testing::RandomGraph(200, 1000, 5);
  v1::Snapshot first;
  ASSERT_TRUE(testing::Upload(*t.stub,
                              testing::UploadMessages(testing::Header(false, false), graph),
                              &first).ok());
  const v1::Job job1 =
      testing::StartJobOrDie(*t.stub, first.snapshot_id(), testing::SmallParams(8));
  testing::WaitSucceeded(*t.stub, job1.job_id());
  const Embeddings vectors1 = testing::ToEmbeddings(testing::Fetch(*t.stub, job1.job_id()));

  auto messages = testing::UploadMessages(testing::Header(false, false), graph);
  AddInitial(messages, vectors1, nullptr);
  v1::Snapshot second;
  ASSERT_TRUE(testing::Upload(*t.stub, messages, &second).ok());
  v1::Node2VecParams aligned = testing::SmallParams(8);
  aligned.set_random_seed(99);
  aligned.set_align(true);
  const v1::Job job2 = testing::StartJobOrDie(*t.stub, second.snapshot_id(), aligned);
  testing::WaitSucceeded(*t.stub, job2.job_id());
  const v1::Job done = GetJobOrDie(*t.stub, job2.job_id());
  EXPECT_EQ(done.warm_started_nodes(), 0u);
  ASSERT_TRUE(done.has_drift());
  EXPECT_EQ(done.drift().shared_nodes(), 200u);
  // The fetched vectors are the rotated ones: their drift is the reported one.
  const Embeddings vectors2 = testing::ToEmbeddings(testing::Fetch(*t.stub, job2.job_id()));
  auto measured = MeasureDrift(vectors2, vectors1);
  ASSERT_TRUE(measured.ok());
  EXPECT_NEAR(measured->mean, done.drift().mean(), 1e-6);
  // Rotation can only bring them closer than the raw cold vectors.
  absl::StatusOr<std::vector<double>> identity_check = ProcrustesRotation(vectors2, vectors1);
  ASSERT_TRUE(identity_check.ok());
  EXPECT_NEAR((*identity_check)[0], 1.0, 1e-3);
}

TEST(WarmStartApiTest, BadWarmStartsAreRefused) {
  TestServer t;
  const EdgeList graph = testing::Ring(20);
  // Context without the right size.
  auto messages = testing::UploadMessages(testing::Header(false, false), graph);
  v1::UploadSnapshotRequest m;
  m.mutable_initial_vectors()->set_dimensions(4);
  m.mutable_initial_vectors()->add_node_ids(1);
  m.mutable_initial_vectors()->set_vectors(std::string(16, '\0'));
  m.mutable_initial_vectors()->set_context(std::string(8, '\0'));
  messages.push_back(m);
  v1::Snapshot snapshot;
  grpc::Status status = testing::Upload(*t.stub, messages, &snapshot);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "initial vector chunk 0: context has 8 bytes, expected 16");

  // Vectors of another dimension than the job's.
  messages.pop_back();
  m.mutable_initial_vectors()->clear_context();
  messages.push_back(m);
  ASSERT_TRUE(testing::Upload(*t.stub, messages, &snapshot).ok());
  v1::StartJobRequest start;
  start.set_snapshot_id(snapshot.snapshot_id());
  *start.mutable_params() = WarmParams();
  v1::Job job;
  grpc::ClientContext c1;
  status = t.stub->StartJob(&c1, start, &job);
  EXPECT_EQ(status.error_message(),
            "params.warm_start: the snapshot's initial vectors have 4 dimensions "
            "but params.embedding_dimension is 8");

  // Incremental without warm start; fetching context that was not kept.
  start.mutable_params()->set_warm_start(false);
  start.mutable_params()->set_incremental(true);
  grpc::ClientContext c2;
  status = t.stub->StartJob(&c2, start, &job);
  EXPECT_EQ(status.error_message(), "params.incremental needs params.warm_start");

  const v1::Job plain = testing::StartJobOrDie(*t.stub, snapshot.snapshot_id(),
                                               testing::SmallParams(8));
  testing::WaitSucceeded(*t.stub, plain.job_id());
  const testing::Fetched context = testing::FetchContext(*t.stub, plain.job_id());
  EXPECT_EQ(context.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(context.status.error_message(),
            "job '" + plain.job_id() +
                "' kept no context vectors: run it with params.keep_context or "
                "params.warm_start");
}

// EstimateJob for a snapshot and the job StartJob starts on it charge the
// same bytes (one plan, one memory model), for cold, warm and incremental
// jobs alike; a warm start charges its context matrix in both.
TEST(WarmStartApiTest, EstimateAndStartChargeTheSameBytes) {
  TestServer t;
  v1::SnapshotHeader header = testing::Header(false, false, "charged");
  header.set_track_changes(true);
  const EdgeList graph = testing::RandomGraph(300, 1500, 3);
  const FirstRun first = RunCold(*t.stub, header, graph);
  EdgeList changed = graph;
  changed.sources.push_back(1);
  changed.targets.push_back(250);
  auto messages = testing::UploadMessages(header, changed);
  AddInitial(messages, first.vectors, &first.context);
  v1::Snapshot second;
  ASSERT_TRUE(testing::Upload(*t.stub, messages, &second).ok());

  v1::Node2VecParams incremental = WarmParams();
  incremental.set_incremental(true);
  struct Case {
    std::string name;
    std::string snapshot_id;
    v1::Node2VecParams params;
  };
  const std::vector<Case> cases = {
      {"cold", second.snapshot_id(), testing::SmallParams(8)},
      {"warm", second.snapshot_id(), WarmParams()},
      {"incremental", second.snapshot_id(), incremental},
  };
  uint64_t cold_bytes = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::EstimateJobRequest request;
    request.set_snapshot_id(c.snapshot_id);
    *request.mutable_params() = c.params;
    v1::Estimate estimate;
    grpc::ClientContext context;
    ASSERT_TRUE(t.stub->EstimateJob(&context, request, &estimate).ok());
    const v1::Job job = testing::StartJobOrDie(*t.stub, c.snapshot_id, c.params);
    EXPECT_EQ(job.memory_bytes(), estimate.job_bytes());
    EXPECT_TRUE(estimate.fits());
    testing::WaitSucceeded(*t.stub, job.job_id());
    if (c.name == "cold") cold_bytes = estimate.job_bytes();
    if (c.name != "cold") {
      // The context matrix kept for the next warm start is charged.
      EXPECT_GE(estimate.result_bytes(), 2 * 300u * 16 * sizeof(float));
      EXPECT_GT(estimate.job_bytes(), cold_bytes);
    }
  }
}

// The warm learning rate is the engine's: a warm start without a rate
// trains at 0.001 (to 0.00004), a chosen rate is kept, and a warm start
// without previous vectors (a first run) trains at the normal rate.
TEST(WarmStartApiTest, WarmStartsTrainAtTheEnginesWarmRateUnlessOneIsChosen) {
  TestServer t;
  const EdgeList graph = testing::RandomGraph(100, 400, 9);
  v1::Snapshot plain;
  ASSERT_TRUE(testing::Upload(*t.stub,
                              testing::UploadMessages(testing::Header(false, false), graph),
                              &plain).ok());
  v1::Node2VecParams warm = testing::SmallParams(8);
  warm.set_warm_start(true);
  const v1::Job first = testing::StartJobOrDie(*t.stub, plain.snapshot_id(), warm);
  EXPECT_FLOAT_EQ(first.params().initial_learning_rate(), 0.025f);
  EXPECT_FLOAT_EQ(first.params().min_learning_rate(), 0.0001f);
  EXPECT_TRUE(first.params().keep_context());
  testing::WaitSucceeded(*t.stub, first.job_id());
  const Embeddings vectors = testing::ToEmbeddings(testing::Fetch(*t.stub, first.job_id()));

  auto messages = testing::UploadMessages(testing::Header(false, false), graph);
  AddInitial(messages, vectors, nullptr);
  v1::Snapshot with_vectors;
  ASSERT_TRUE(testing::Upload(*t.stub, messages, &with_vectors).ok());
  const v1::Job rewarm = testing::StartJobOrDie(*t.stub, with_vectors.snapshot_id(), warm);
  EXPECT_FLOAT_EQ(rewarm.params().initial_learning_rate(), 0.001f);
  EXPECT_FLOAT_EQ(rewarm.params().min_learning_rate(), 0.00004f);
  EXPECT_TRUE(rewarm.params().align());
  v1::Node2VecParams chosen = warm;
  chosen.set_initial_learning_rate(0.01f);
  const v1::Job kept = testing::StartJobOrDie(*t.stub, with_vectors.snapshot_id(), chosen);
  EXPECT_FLOAT_EQ(kept.params().initial_learning_rate(), 0.01f);
  EXPECT_FLOAT_EQ(kept.params().min_learning_rate(), 0.0001f);
  v1::Node2VecParams unaligned = warm;
  unaligned.set_align(false);
  const v1::Job no_align = testing::StartJobOrDie(*t.stub, with_vectors.snapshot_id(), unaligned);
  EXPECT_FALSE(no_align.params().align());
  for (const v1::Job& job : {rewarm, kept, no_align}) {
    testing::WaitSucceeded(*t.stub, job.job_id());
  }
  EXPECT_EQ(GetJobOrDie(*t.stub, no_align.job_id()).drift().shared_nodes(), 0u);
  EXPECT_EQ(GetJobOrDie(*t.stub, rewarm.job_id()).drift().shared_nodes(), 100u);
}

}  // namespace
}  // namespace n2v::sidecar
