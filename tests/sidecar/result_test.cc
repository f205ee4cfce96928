// Result RPCs in-process on a trained karate job: FetchEmbeddings (order,
// chunking, resuming, offsets), EdgeFeatures and PairFeatures against the
// engine's ComputeEdgeFeatures, the one-call Embed, and their errors.
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "n2v/edge_features.h"
#include "test_util.h"

namespace n2v::sidecar {
namespace {

using testing::Describe;
using testing::Fetch;
using testing::Fetched;

class ResultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::StartServer(testing::SmallServerOptions());
    ASSERT_NE(server_, nullptr);
    stub_ = testing::Connect(server_->port());
    snapshot_ = testing::UploadOrDie(
        *stub_, testing::ReadDataset(testing::kKarate, false));
    ASSERT_EQ(snapshot_.nodes(), 34u);
    job_ = testing::StartJobOrDie(*stub_, snapshot_.snapshot_id(),
                                  testing::SmallParams(8));
    testing::WaitSucceeded(*stub_, job_.job_id());
  }

  std::unique_ptr<SidecarServer> server_;
  std::unique_ptr<v1::N2v::Stub> stub_;
  v1::Snapshot snapshot_;
  v1::Job job_;
};

std::string Floats(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()),
                     values.size() * sizeof(float));
}

TEST_F(ResultTest, FetchAllRowsInIdOrder) {
  const Fetched all = Fetch(*stub_, job_.job_id());
  ASSERT_TRUE(all.status.ok()) << Describe(all.status);
  ASSERT_EQ(all.chunks.size(), 1u);  // 34 rows fit the default chunk
  EXPECT_EQ(all.total_rows, 34u);
  EXPECT_EQ(all.dimensions, 8u);
  std::vector<int64_t> expected(34);
  for (int i = 0; i < 34; ++i) expected[i] = i + 1;  // karate ids are 1-based
  EXPECT_EQ(all.ids, expected);
  EXPECT_EQ(all.vectors.size(), 34u * 8 * sizeof(float));
}

TEST_F(ResultTest, FetchInChunks) {
  const Fetched all = Fetch(*stub_, job_.job_id());
  const Fetched chunked = Fetch(*stub_, job_.job_id(), 0, 5);
  ASSERT_TRUE(chunked.status.ok()) << Describe(chunked.status);
  ASSERT_EQ(chunked.chunks.size(), 7u);
  for (size_t i = 0; i < chunked.chunks.size(); ++i) {
    const v1::EmbeddingChunk& c = chunked.chunks[i];
    EXPECT_EQ(c.offset(), 5 * i);
    EXPECT_EQ(c.total_rows(), 34u);
    EXPECT_EQ(c.dimensions(), 8u);
    EXPECT_EQ(c.node_ids_size(), i < 6 ? 5 : 4);
    EXPECT_EQ(c.vectors().size(), c.node_ids_size() * 8 * sizeof(float));
  }
  EXPECT_EQ(chunked.ids, all.ids);
  EXPECT_EQ(chunked.vectors, all.vectors);
}

// A fetch that broke off resumes at the rows received; together they are
// the whole result.
TEST_F(ResultTest, ResumeAnInterruptedFetch) {
  const Fetched all = Fetch(*stub_, job_.job_id());
  const Fetched first = Fetch(*stub_, job_.job_id(), 0, 4, /*max_chunks=*/2);
  EXPECT_EQ(first.status.error_code(), grpc::StatusCode::CANCELLED)
      << Describe(first.status);
  ASSERT_EQ(first.ids.size(), 8u);
  const Fetched rest = Fetch(*stub_, job_.job_id(), first.ids.size(), 4);
  ASSERT_TRUE(rest.status.ok()) << Describe(rest.status);
  EXPECT_EQ(rest.chunks.front().offset(), 8u);
  std::vector<int64_t> ids = first.ids;
  ids.insert(ids.end(), rest.ids.begin(), rest.ids.end());
  EXPECT_EQ(ids, all.ids);
  EXPECT_EQ(first.vectors + rest.vectors, all.vectors);
}

TEST_F(ResultTest, FetchOffsets) {
  // At the end: one empty chunk that still gives the shape.
  const Fetched at_end = Fetch(*stub_, job_.job_id(), 34);
  ASSERT_TRUE(at_end.status.ok()) << Describe(at_end.status);
  ASSERT_EQ(at_end.chunks.size(), 1u);
  EXPECT_EQ(at_end.chunks[0].offset(), 34u);
  EXPECT_EQ(at_end.chunks[0].total_rows(), 34u);
  EXPECT_EQ(at_end.chunks[0].dimensions(), 8u);
  EXPECT_EQ(at_end.chunks[0].node_ids_size(), 0);
  // Past the end.
  const Fetched past = Fetch(*stub_, job_.job_id(), 35);
  EXPECT_EQ(past.status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(past.status.error_message(),
            "offset 35 is past the 34 rows of job '" + job_.job_id() + "'");
  const Fetched unknown = Fetch(*stub_, "job-x");
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.status.error_message(), "job 'job-x' not found");
}

struct OperatorCase {
  v1::EdgeOperator api;
  EdgeOperator engine;
  uint32_t width;
};

const std::vector<OperatorCase>& Operators() {
  static const auto* cases = new std::vector<OperatorCase>{
      {v1::EDGE_OPERATOR_AVERAGE, EdgeOperator::kAverage, 8},
      {v1::EDGE_OPERATOR_HADAMARD, EdgeOperator::kHadamard, 8},
      {v1::EDGE_OPERATOR_WEIGHTED_L1, EdgeOperator::kWeightedL1, 8},
      {v1::EDGE_OPERATOR_WEIGHTED_L2, EdgeOperator::kWeightedL2, 8},
      {v1::EDGE_OPERATOR_COSINE, EdgeOperator::kCosine, 1},
      {v1::EDGE_OPERATOR_DOT, EdgeOperator::kDot, 1},
  };
  return *cases;
}

struct EdgeFeaturesResult {
  grpc::Status status;
  std::vector<v1::FeatureChunk> chunks;
  std::vector<int64_t> sources, targets;
  std::string features;
};

EdgeFeaturesResult EdgeFeatures(v1::N2v::Stub& stub, const std::string& job_id,
                                v1::EdgeOperator op, uint32_t chunk_pairs = 0,
                                uint64_t offset = 0) {
  grpc::ClientContext context;
  v1::EdgeFeaturesRequest request;
  request.set_job_id(job_id);
  request.set_operator_(op);
  request.set_chunk_pairs(chunk_pairs);
  request.set_offset(offset);
  auto reader = stub.EdgeFeatures(&context, request);
  EdgeFeaturesResult out;
  v1::FeatureChunk chunk;
  while (reader->Read(&chunk)) {
    out.sources.insert(out.sources.end(), chunk.source().begin(),
                       chunk.source().end());
    out.targets.insert(out.targets.end(), chunk.target().begin(),
                       chunk.target().end());
    out.features += chunk.features();
    out.chunks.push_back(chunk);
  }
  out.status = reader->Finish();
  return out;
}

TEST_F(ResultTest, EdgeFeaturesOfEveryEdgeMatchTheEngine) {
  const Embeddings embeddings =
      testing::ToEmbeddings(Fetch(*stub_, job_.job_id()));
  for (const OperatorCase& c : Operators()) {
    SCOPED_TRACE(v1::EdgeOperator_Name(c.api));
    const EdgeFeaturesResult r = EdgeFeatures(*stub_, job_.job_id(), c.api, 10);
    ASSERT_TRUE(r.status.ok()) << Describe(r.status);
    ASSERT_EQ(r.sources.size(), snapshot_.edges());
    ASSERT_EQ(r.chunks.size(), 8u);  // 78 edges in chunks of 10
    for (size_t i = 0; i < r.chunks.size(); ++i) {
      EXPECT_EQ(r.chunks[i].offset(), 10 * i);
      EXPECT_EQ(r.chunks[i].width(), c.width);
    }
    // Each undirected edge once, in ascending (source, target) order.
    for (size_t i = 0; i < r.sources.size(); ++i) {
      EXPECT_LE(r.sources[i], r.targets[i]) << i;
      if (i > 0) {
        EXPECT_LT(std::make_pair(r.sources[i - 1], r.targets[i - 1]),
                  std::make_pair(r.sources[i], r.targets[i]))
            << i;
      }
    }
    absl::StatusOr<std::vector<float>> expected =
        ComputeEdgeFeatures(embeddings, r.sources, r.targets, c.engine, 1);
    ASSERT_TRUE(expected.ok()) << expected.status();
    EXPECT_EQ(r.features, Floats(*expected));
  }
  // Resuming at pair 70 gives the last 8 pairs.
  const EdgeFeaturesResult all =
      EdgeFeatures(*stub_, job_.job_id(), v1::EDGE_OPERATOR_DOT);
  const EdgeFeaturesResult tail =
      EdgeFeatures(*stub_, job_.job_id(), v1::EDGE_OPERATOR_DOT, 0, 70);
  ASSERT_TRUE(tail.status.ok()) << Describe(tail.status);
  ASSERT_EQ(tail.sources.size(), 8u);
  EXPECT_EQ(tail.chunks[0].offset(), 70u);
  EXPECT_EQ(tail.sources,
            std::vector<int64_t>(all.sources.begin() + 70, all.sources.end()));
  EXPECT_EQ(tail.features, all.features.substr(70 * sizeof(float)));
}

TEST_F(ResultTest, EdgeFeaturesOfADirectedGraph) {
  // A directed ring and its reverse: 20 arcs, all kept.
  EdgeList edges = testing::Ring(10, 100);
  const EdgeList reverse = testing::Ring(10, 100);
  edges.sources.insert(edges.sources.end(), reverse.targets.begin(),
                       reverse.targets.end());
  edges.targets.insert(edges.targets.end(), reverse.sources.begin(),
                       reverse.sources.end());
  const v1::Snapshot snapshot = testing::UploadOrDie(*stub_, edges, true);
  ASSERT_EQ(snapshot.edges(), 20u);
  const v1::Job job = testing::StartJobOrDie(*stub_, snapshot.snapshot_id(),
                                             testing::SmallParams(4));
  testing::WaitSucceeded(*stub_, job.job_id());
  const EdgeFeaturesResult r =
      EdgeFeatures(*stub_, job.job_id(), v1::EDGE_OPERATOR_HADAMARD);
  ASSERT_TRUE(r.status.ok()) << Describe(r.status);
  EXPECT_EQ(r.sources.size(), 20u);
  EXPECT_EQ(r.features.size(), 20u * 4 * sizeof(float));
}

TEST_F(ResultTest, EdgeFeaturesErrors) {
  EdgeFeaturesResult r =
      EdgeFeatures(*stub_, job_.job_id(), v1::EDGE_OPERATOR_UNSPECIFIED);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.status.error_message(),
            "operator must be AVERAGE, HADAMARD, WEIGHTED_L1, WEIGHTED_L2, "
            "COSINE or DOT, got 0");
  r = EdgeFeatures(*stub_, "job-none", v1::EDGE_OPERATOR_DOT);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(r.status.error_message(), "job 'job-none' not found");
}

v1::PairFeaturesRequest PairHeader(const std::string& job_id,
                                   v1::EdgeOperator op) {
  v1::PairFeaturesRequest m;
  m.mutable_header()->set_job_id(job_id);
  m.mutable_header()->set_operator_(op);
  return m;
}

v1::PairFeaturesRequest Pairs(std::vector<int64_t> sources,
                              std::vector<int64_t> targets) {
  v1::PairFeaturesRequest m;
  m.mutable_pairs()->mutable_source()->Assign(sources.begin(), sources.end());
  m.mutable_pairs()->mutable_target()->Assign(targets.begin(), targets.end());
  return m;
}

// Each pair chunk is answered by one feature chunk, in order, while the
// stream stays open.
TEST_F(ResultTest, PairFeaturesAnswersEachChunkInOrder) {
  const Embeddings embeddings =
      testing::ToEmbeddings(Fetch(*stub_, job_.job_id()));
  const std::vector<v1::PairFeaturesRequest> chunks = {
      Pairs({1, 34, 5}, {2, 1, 5}),
      Pairs({}, {}),
      Pairs({7, 8, 9, 10, 11}, {30, 31, 32, 33, 34}),
      Pairs({34}, {33}),
  };
  for (const OperatorCase& c : Operators()) {
    SCOPED_TRACE(v1::EdgeOperator_Name(c.api));
    grpc::ClientContext context;
    auto stream = stub_->PairFeatures(&context);
    ASSERT_TRUE(stream->Write(PairHeader(job_.job_id(), c.api)));
    uint64_t offset = 0;
    for (const v1::PairFeaturesRequest& request : chunks) {
      ASSERT_TRUE(stream->Write(request));
      v1::FeatureChunk answer;
      ASSERT_TRUE(stream->Read(&answer));
      EXPECT_EQ(answer.offset(), offset);
      EXPECT_EQ(answer.width(), c.width);
      const auto& pairs = request.pairs();
      EXPECT_EQ(
          std::vector<int64_t>(answer.source().begin(), answer.source().end()),
          std::vector<int64_t>(pairs.source().begin(), pairs.source().end()));
      EXPECT_EQ(
          std::vector<int64_t>(answer.target().begin(), answer.target().end()),
          std::vector<int64_t>(pairs.target().begin(), pairs.target().end()));
      absl::StatusOr<std::vector<float>> expected = ComputeEdgeFeatures(
          embeddings,
          std::span<const int64_t>(pairs.source().data(), pairs.source_size()),
          std::span<const int64_t>(pairs.target().data(), pairs.target_size()),
          c.engine, 1);
      ASSERT_TRUE(expected.ok()) << expected.status();
      EXPECT_EQ(answer.features(), Floats(*expected));
      offset += pairs.source_size();
    }
    stream->WritesDone();
    v1::FeatureChunk extra;
    EXPECT_FALSE(stream->Read(&extra));
    const grpc::Status status = stream->Finish();
    EXPECT_TRUE(status.ok()) << Describe(status);
  }
}

struct BadPairsCase {
  std::string name;
  std::vector<v1::PairFeaturesRequest> messages;
  int answered;  // feature chunks before the error
  grpc::StatusCode code;
  std::string message;
};

TEST_F(ResultTest, PairFeaturesErrors) {
  const std::string job = job_.job_id();
  const std::vector<BadPairsCase> cases = {
      {"unknown node id",
       {PairHeader(job, v1::EDGE_OPERATOR_COSINE), Pairs({1}, {2}),
        Pairs({1, 2, 3}, {4, 5, 999})},
       1,
       grpc::StatusCode::NOT_FOUND,
       "pair chunk 1: node id 999 (target of pair 2) has no embedding"},
      {"unknown source id",
       {PairHeader(job, v1::EDGE_OPERATOR_AVERAGE), Pairs({-4}, {2})},
       0,
       grpc::StatusCode::NOT_FOUND,
       "pair chunk 0: node id -4 (source of pair 0) has no embedding"},
      {"header missing",
       {Pairs({1}, {2})},
       0,
       grpc::StatusCode::INVALID_ARGUMENT,
       "header missing: the first message of PairFeatures must be the header"},
      {"no message",
       {},
       0,
       grpc::StatusCode::INVALID_ARGUMENT,
       "header missing: the first message of PairFeatures must be the header"},
      {"header repeated",
       {PairHeader(job, v1::EDGE_OPERATOR_DOT), Pairs({1}, {2}),
        PairHeader(job, v1::EDGE_OPERATOR_DOT)},
       1,
       grpc::StatusCode::INVALID_ARGUMENT,
       "header repeated: PairFeatures takes one header, first"},
      {"mismatched columns",
       {PairHeader(job, v1::EDGE_OPERATOR_DOT), Pairs({1, 2}, {3})},
       0,
       grpc::StatusCode::INVALID_ARGUMENT,
       "pair chunk 0: source has 2 values but target has 1"},
      {"operator unspecified",
       {PairHeader(job, v1::EDGE_OPERATOR_UNSPECIFIED), Pairs({1}, {2})},
       0,
       grpc::StatusCode::INVALID_ARGUMENT,
       "operator must be AVERAGE, HADAMARD, WEIGHTED_L1, WEIGHTED_L2, COSINE "
       "or DOT, got 0"},
      {"unknown job",
       {PairHeader("job-unknown", v1::EDGE_OPERATOR_DOT), Pairs({1}, {2})},
       0,
       grpc::StatusCode::NOT_FOUND,
       "job 'job-unknown' not found"},
  };
  for (const BadPairsCase& c : cases) {
    SCOPED_TRACE(c.name);
    grpc::ClientContext context;
    auto stream = stub_->PairFeatures(&context);
    for (const auto& m : c.messages) {
      if (!stream->Write(m)) break;
    }
    stream->WritesDone();
    int answered = 0;
    v1::FeatureChunk answer;
    while (stream->Read(&answer)) ++answered;
    const grpc::Status status = stream->Finish();
    EXPECT_EQ(answered, c.answered);
    EXPECT_EQ(status.error_code(), c.code) << Describe(status);
    EXPECT_EQ(status.error_message(), c.message);
  }
}

v1::EmbedRequest EmbedHeader(const v1::Node2VecParams& params,
                             uint32_t chunk_rows) {
  v1::EmbedRequest m;
  *m.mutable_header()->mutable_graph() = testing::Header(false, false, "embed");
  *m.mutable_header()->mutable_params() = params;
  m.mutable_header()->set_chunk_rows(chunk_rows);
  return m;
}

std::vector<v1::EmbedRequest> EmbedMessages(const v1::Node2VecParams& params,
                                            uint32_t chunk_rows,
                                            const EdgeList& edges) {
  std::vector<v1::EmbedRequest> out = {EmbedHeader(params, chunk_rows)};
  for (const auto& m : testing::UploadMessages({}, edges, 25)) {
    if (m.has_nodes()) *out.emplace_back().mutable_nodes() = m.nodes();
    if (m.has_edges()) *out.emplace_back().mutable_edges() = m.edges();
  }
  return out;
}

Fetched Embed(v1::N2v::Stub& stub,
              const std::vector<v1::EmbedRequest>& messages) {
  grpc::ClientContext context;
  auto stream = stub.Embed(&context);
  for (const auto& m : messages) {
    if (!stream->Write(m)) break;
  }
  stream->WritesDone();
  Fetched out;
  v1::EmbeddingChunk chunk;
  while (stream->Read(&chunk)) AppendChunk(chunk, out);
  out.status = stream->Finish();
  return out;
}

// One call gives the vectors a job with the same parameters gives, and
// leaves no snapshot, job or charge behind.
TEST_F(ResultTest, EmbedInOneCall) {
  const uint64_t used = server_->service().budget().used();
  const Fetched embedded = Embed(
      *stub_, EmbedMessages(testing::SmallParams(8), 10,
                            testing::ReadDataset(testing::kKarate, false)));
  ASSERT_TRUE(embedded.status.ok()) << Describe(embedded.status);
  ASSERT_EQ(embedded.chunks.size(), 4u);
  EXPECT_EQ(embedded.chunks[3].offset(), 30u);
  EXPECT_EQ(embedded.total_rows, 34u);
  const Fetched fetched = Fetch(*stub_, job_.job_id());
  EXPECT_EQ(embedded.ids, fetched.ids);
  EXPECT_EQ(embedded.vectors, fetched.vectors);

  grpc::ClientContext list_jobs;
  v1::ListJobsResponse jobs;
  ASSERT_TRUE(stub_->ListJobs(&list_jobs, {}, &jobs).ok());
  EXPECT_EQ(jobs.jobs_size(), 1);
  grpc::ClientContext list_snapshots;
  v1::ListSnapshotsResponse snapshots;
  ASSERT_TRUE(stub_->ListSnapshots(&list_snapshots, {}, &snapshots).ok());
  EXPECT_EQ(snapshots.snapshots_size(), 1);
  EXPECT_TRUE(testing::BudgetSettlesAt(*server_, used))
      << server_->service().budget().used();
}

TEST_F(ResultTest, EmbedErrors) {
  v1::Node2VecParams bad = testing::SmallParams();
  bad.set_embedding_dimension(70000);
  EdgeList weighted_edges = testing::Ring(5);
  weighted_edges.weights = {1, 1, 1, 1, 1};
  std::vector<v1::EmbedRequest> repeated =
      EmbedMessages(testing::SmallParams(), 0, testing::Ring(5));
  repeated.push_back(repeated.front());
  struct Case {
    std::string name;
    std::vector<v1::EmbedRequest> messages;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"header missing",
       {EmbedMessages(testing::SmallParams(), 0, testing::Ring(5))[1]},
       "header missing: the first message of Embed must be the header"},
      {"parameters out of range", EmbedMessages(bad, 0, testing::Ring(5)),
       "params.embedding_dimension must be between 1 and 65536, got 70000"},
      {"weights on an unweighted graph",
       EmbedMessages(testing::SmallParams(), 0, weighted_edges),
       "edge chunk 0: has 5 weights but the snapshot header says weighted = "
       "false"},
      {"header repeated", repeated,
       "header repeated: an upload has exactly one header, first"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Fetched r = Embed(*stub_, c.messages);
    EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << Describe(r.status);
    EXPECT_EQ(r.status.error_message(), c.message);
    EXPECT_TRUE(r.chunks.empty());
  }
}

}  // namespace
}  // namespace n2v::sidecar
