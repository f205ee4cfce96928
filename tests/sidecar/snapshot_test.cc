// Snapshot RPCs in-process: what an upload builds (counts of a graph with
// known answers), Get/List/Delete, every malformed upload with its exact
// message, and uploads the client abandons mid-stream.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "test_util.h"

namespace n2v::sidecar {
namespace {

using testing::Describe;
using testing::Header;
using testing::TestServer;
using testing::Upload;
using testing::UploadMessages;

// Nodes 1..5 and 100 (isolated); edges 1-2, 2-3, 3-1, 2-1 (a duplicate of
// 1-2 when undirected), 3-3 (self-loop), 1-2 (a duplicate), 4-5.
EdgeList KnownGraph() {
  EdgeList edges;
  edges.nodes = {1, 2, 3, 4, 5, 100};
  edges.sources = {1, 2, 3, 2, 3, 1, 4};
  edges.targets = {2, 3, 1, 1, 3, 2, 5};
  return edges;
}

struct KnownGraphCase {
  bool directed;
  uint64_t edges;
  uint64_t merged_duplicates;
};

TEST(UploadSnapshotTest, CountsOfAKnownGraph) {
  const std::vector<KnownGraphCase> cases = {
      {.directed = false, .edges = 5, .merged_duplicates = 2},
      {.directed = true, .edges = 6, .merged_duplicates = 1},
  };
  for (const KnownGraphCase& c : cases) {
    SCOPED_TRACE(c.directed ? "directed" : "undirected");
    TestServer t;
    ASSERT_NE(t.server, nullptr);
    v1::Snapshot snapshot;
    // Chunks of 2 edges: the graph arrives in 4 edge chunks.
    const grpc::Status status = Upload(
        *t.stub,
        UploadMessages(Header(c.directed, false, "known"), KnownGraph(), 2),
        &snapshot);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(snapshot.snapshot_id().rfind("snap-", 0), 0u)
        << snapshot.snapshot_id();
    EXPECT_EQ(snapshot.name(), "known");
    EXPECT_EQ(snapshot.directed(), c.directed);
    EXPECT_FALSE(snapshot.weighted());
    EXPECT_EQ(snapshot.nodes(), 6u);
    EXPECT_EQ(snapshot.edges(), c.edges);
    EXPECT_EQ(snapshot.self_loops(), 1u);
    EXPECT_EQ(snapshot.merged_duplicates(), c.merged_duplicates);
    EXPECT_EQ(snapshot.isolated_nodes(), 1u);
    EXPECT_EQ(snapshot.input_edges(), 7u);
    EXPECT_GT(snapshot.memory_bytes(), 0u);
    EXPECT_GT(snapshot.created_unix_ms(), 0);
    // The graph's bytes are what the budget holds.
    EXPECT_EQ(t.server->service().budget().used(), snapshot.memory_bytes());
  }
}

TEST(UploadSnapshotTest, WeightedUploadWithExpectedCounts) {
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  EdgeList edges = KnownGraph();
  edges.weights = {1, 2, 3, 4, 5, 6, 7};
  v1::SnapshotHeader header = Header(false, true);
  header.set_expected_edges(7);
  header.set_expected_nodes(6);
  header.set_strict_node_list(true);
  v1::Snapshot snapshot;
  const grpc::Status status =
      Upload(*t.stub, UploadMessages(header, edges, 3), &snapshot);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(snapshot.weighted());
  EXPECT_EQ(snapshot.nodes(), 6u);
  EXPECT_EQ(snapshot.edges(), 5u);
}

TEST(SnapshotTest, GetListDelete) {
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  const v1::Snapshot a = testing::UploadOrDie(*t.stub, testing::Ring(5));
  const v1::Snapshot b = testing::UploadOrDie(*t.stub, KnownGraph(), true);
  ASSERT_NE(a.snapshot_id(), b.snapshot_id());

  {
    grpc::ClientContext context;
    v1::GetSnapshotRequest request;
    request.set_snapshot_id(b.snapshot_id());
    v1::Snapshot got;
    ASSERT_TRUE(t.stub->GetSnapshot(&context, request, &got).ok());
    // A read is a use: only the time of last use may differ.
    EXPECT_GE(got.last_used_unix_ms(), b.last_used_unix_ms());
    v1::Snapshot expected = b;
    expected.set_last_used_unix_ms(got.last_used_unix_ms());
    EXPECT_EQ(got.SerializeAsString(), expected.SerializeAsString());
  }
  {
    grpc::ClientContext context;
    v1::ListSnapshotsResponse list;
    ASSERT_TRUE(t.stub->ListSnapshots(&context, {}, &list).ok());
    std::vector<std::string> ids;
    for (const auto& s : list.snapshots()) ids.push_back(s.snapshot_id());
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> expected = {a.snapshot_id(), b.snapshot_id()};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(ids, expected);
  }
  {
    grpc::ClientContext context;
    v1::DeleteSnapshotRequest request;
    request.set_snapshot_id(a.snapshot_id());
    v1::DeleteSnapshotResponse response;
    ASSERT_TRUE(t.stub->DeleteSnapshot(&context, request, &response).ok());
  }
  EXPECT_EQ(t.server->service().budget().used(), b.memory_bytes());
  {
    grpc::ClientContext context;
    v1::GetSnapshotRequest request;
    request.set_snapshot_id(a.snapshot_id());
    v1::Snapshot got;
    const grpc::Status status = t.stub->GetSnapshot(&context, request, &got);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(),
              "snapshot '" + a.snapshot_id() + "' not found");
  }
  {
    grpc::ClientContext context;
    v1::ListSnapshotsResponse list;
    ASSERT_TRUE(t.stub->ListSnapshots(&context, {}, &list).ok());
    ASSERT_EQ(list.snapshots_size(), 1);
    EXPECT_EQ(list.snapshots(0).snapshot_id(), b.snapshot_id());
  }
}

v1::UploadSnapshotRequest HeaderMessage(v1::SnapshotHeader header) {
  v1::UploadSnapshotRequest m;
  *m.mutable_header() = std::move(header);
  return m;
}

v1::UploadSnapshotRequest EdgeMessage(std::vector<int64_t> sources,
                                      std::vector<int64_t> targets,
                                      std::vector<float> weights = {}) {
  v1::UploadSnapshotRequest m;
  m.mutable_edges()->mutable_source()->Assign(sources.begin(), sources.end());
  m.mutable_edges()->mutable_target()->Assign(targets.begin(), targets.end());
  m.mutable_edges()->mutable_weight()->Assign(weights.begin(), weights.end());
  return m;
}

v1::UploadSnapshotRequest NodeMessage(std::vector<int64_t> ids) {
  v1::UploadSnapshotRequest m;
  m.mutable_nodes()->mutable_ids()->Assign(ids.begin(), ids.end());
  return m;
}

struct BadUploadCase {
  std::string name;
  std::vector<v1::UploadSnapshotRequest> messages;
  std::string message;
};

TEST(UploadSnapshotTest, BadUploadsAreRefusedWithTheirReason) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  v1::SnapshotHeader weighted = Header(false, true);
  v1::SnapshotHeader strict = Header(false, false);
  strict.set_strict_node_list(true);
  v1::SnapshotHeader five_edges = Header(false, false);
  five_edges.set_expected_edges(5);
  v1::SnapshotHeader four_nodes = Header(false, false);
  four_nodes.set_expected_nodes(4);
  const std::vector<BadUploadCase> cases = {
      {"mismatched columns",
       {HeaderMessage(Header(false, false)), EdgeMessage({1, 2}, {2})},
       "edge chunk 0: source has 2 values but target has 1"},
      {"mismatched columns in a later chunk",
       {HeaderMessage(Header(false, false)), EdgeMessage({1}, {2}),
        EdgeMessage({1}, {2, 3})},
       "edge chunk 1: source has 1 values but target has 2"},
      {"NaN weight",
       {HeaderMessage(weighted), EdgeMessage({1, 2}, {2, 3}, {1, nan})},
       "edge chunk 0, edge 1 (2 -> 3): weight must be finite and > 0, got nan"},
      {"infinite weight",
       {HeaderMessage(weighted),
        EdgeMessage({1}, {2}, {std::numeric_limits<float>::infinity()})},
       "edge chunk 0, edge 0 (1 -> 2): weight must be finite and > 0, got inf"},
      {"negative weight",
       {HeaderMessage(weighted), EdgeMessage({1, 2}, {2, 3}, {-1, 1})},
       "edge chunk 0, edge 0 (1 -> 2): weight must be finite and > 0, got -1"},
      {"zero weight",
       {HeaderMessage(weighted), EdgeMessage({1}, {2}, {1}),
        EdgeMessage({5, 6}, {7, 8}, {2, 0})},
       "edge chunk 1, edge 1 (6 -> 8): weight must be finite and > 0, got 0"},
      {"weights on an unweighted snapshot",
       {HeaderMessage(Header(false, false)),
        EdgeMessage({1, 2}, {2, 3}, {1, 1})},
       "edge chunk 0: has 2 weights but the snapshot header says weighted = "
       "false"},
      {"weights missing on a weighted snapshot",
       {HeaderMessage(weighted), EdgeMessage({1, 2}, {2, 3})},
       "edge chunk 0: weight has 0 values but source has 2 (the snapshot is "
       "weighted: one weight per edge)"},
      {"target absent from a strict node list",
       {HeaderMessage(strict), NodeMessage({1, 2, 3}),
        EdgeMessage({1, 2}, {2, 9})},
       "edge 1: target 9 is not in the node list (header.strict_node_list)"},
      {"source absent from a strict node list",
       {HeaderMessage(strict), EdgeMessage({7}, {1}), NodeMessage({1, 2})},
       "edge 0: source 7 is not in the node list (header.strict_node_list)"},
      {"node chunk before the header",
       {NodeMessage({1}), HeaderMessage(Header(false, false))},
       "header missing: the first message of an upload must be the header, "
       "got a node chunk"},
      {"edge chunk before the header",
       {EdgeMessage({1}, {2})},
       "header missing: the first message of an upload must be the header, "
       "got an edge chunk"},
      {"no message at all",
       {},
       "header missing: the upload ended without a header"},
      {"header repeated",
       {HeaderMessage(Header(false, false)), EdgeMessage({1}, {2}),
        HeaderMessage(Header(false, false))},
       "header repeated: an upload has exactly one header, first"},
      {"message without a part",
       {HeaderMessage(Header(false, false)), v1::UploadSnapshotRequest()},
       "upload message has no part: set header, nodes, edges or initial_vectors"},
      {"name too long",
       {HeaderMessage(Header(false, false, std::string(300, 'x')))},
       "header.name is 300 bytes, at most 256 are allowed"},
      {"fewer edges than expected",
       {HeaderMessage(five_edges), EdgeMessage({1, 2, 3}, {2, 3, 1})},
       "header.expected_edges is 5 but 3 edges arrived"},
      {"more node ids than expected",
       {HeaderMessage(four_nodes), NodeMessage({1, 2}), NodeMessage({3, 4, 5}),
        EdgeMessage({1}, {2})},
       "header.expected_nodes is 4 but 5 node ids arrived"},
      {"empty upload",
       {HeaderMessage(Header(false, false)), NodeMessage({}),
        EdgeMessage({}, {})},
       "empty graph: the upload has no nodes and no edges"},
  };
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  for (const BadUploadCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::Snapshot snapshot;
    const grpc::Status status = Upload(*t.stub, c.messages, &snapshot);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << Describe(status);
    EXPECT_EQ(status.error_message(), c.message);
  }
  // Nothing was kept and nothing stays charged.
  grpc::ClientContext context;
  v1::ListSnapshotsResponse list;
  ASSERT_TRUE(t.stub->ListSnapshots(&context, {}, &list).ok());
  EXPECT_EQ(list.snapshots_size(), 0);
  EXPECT_TRUE(testing::BudgetSettlesAt(*t.server, 0))
      << t.server->service().budget().used();
}

TEST(UploadSnapshotTest, UnknownIdsAreNotFound) {
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  {
    grpc::ClientContext context;
    v1::GetSnapshotRequest request;
    request.set_snapshot_id("snap-nope");
    v1::Snapshot got;
    const grpc::Status status = t.stub->GetSnapshot(&context, request, &got);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "snapshot 'snap-nope' not found");
  }
  {
    grpc::ClientContext context;
    v1::DeleteSnapshotRequest request;
    request.set_snapshot_id("snap-gone");
    v1::DeleteSnapshotResponse response;
    const grpc::Status status =
        t.stub->DeleteSnapshot(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "snapshot 'snap-gone' not found");
  }
}

// A client that cancels its call mid-upload leaves nothing behind, and the
// server goes on serving.
TEST(UploadSnapshotTest, CancelledUploadLeavesNothing) {
  TestServer t;
  ASSERT_NE(t.server, nullptr);
  const EdgeList edges = testing::RandomGraph(2000, 20000, 3);
  const auto messages = UploadMessages(Header(false, false), edges, 1000);
  {
    grpc::ClientContext context;
    v1::Snapshot snapshot;
    auto writer = t.stub->UploadSnapshot(&context, &snapshot);
    for (size_t i = 0; i < messages.size() / 2; ++i) {
      ASSERT_TRUE(writer->Write(messages[i]));
    }
    context.TryCancel();
    const grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED)
        << Describe(status);
  }
  EXPECT_TRUE(testing::BudgetSettlesAt(*t.server, 0))
      << t.server->service().budget().used();
  {
    grpc::ClientContext context;
    v1::ListSnapshotsResponse list;
    ASSERT_TRUE(t.stub->ListSnapshots(&context, {}, &list).ok());
    EXPECT_EQ(list.snapshots_size(), 0);
  }
  const v1::Snapshot snapshot = testing::UploadOrDie(*t.stub, edges);
  EXPECT_EQ(snapshot.nodes(), 2000u);
}

}  // namespace
}  // namespace n2v::sidecar
