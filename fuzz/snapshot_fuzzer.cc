// libFuzzer target for the snapshot upload path: protobuf decoding of the
// upload messages, SnapshotAssembler (validation and assembly) and
// CsrGraph::Build, followed by a check of the built graph against a slow,
// obviously-correct reference.
//
// Input format: a sequence of records, each
//   tag (1 byte) | length (2 bytes, little-endian) | payload (length bytes)
// where the last record's payload may be cut short by the end of the input.
// tag % 4 picks how the payload is decoded:
//   0: a whole n2v.v1.UploadSnapshotRequest (any oneof part, or none),
//   1: a SnapshotHeader, 2: a NodeChunk, 3: an EdgeChunk.
// Tags 1-3 let the fuzzer splice headers, node chunks and edge chunks in any
// order without having to rediscover the oneof framing. A payload that does
// not parse is skipped (gRPC would have dropped the call before the service
// saw it).
//
// Inputs are small by construction (libFuzzer's -max_len), so the graph is
// too. Only the header's expected counts make the assembler reserve more
// (up to its own cap, 2^24 rows); inputs announcing more than kMaxExpected
// are skipped so that every execution stays fast.
//
// Any violated invariant calls abort(), which libFuzzer reports as a crash.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "google/protobuf/stubs/logging.h"
#include "n2v/graph.h"
#include "n2v/memory_model.h"
#include "n2v/v1/n2v.pb.h"
#include "snapshot_assembler.h"

namespace {

constexpr uint64_t kMaxExpected = uint64_t{1} << 20;
// Above this many input edges the per-edge reference check is skipped.
constexpr size_t kMaxReferenceEdges = 1 << 16;

#define CHECK_OR_DIE(cond, ...)                                    \
  do {                                                             \
    if (!(cond)) {                                                 \
      std::fprintf(stderr, "invariant violated: %s: ", #cond);     \
      std::fprintf(stderr, __VA_ARGS__);                           \
      std::fprintf(stderr, "\n");                                  \
      std::abort();                                                \
    }                                                              \
  } while (0)

// Decodes one record's payload into an upload message; false if it does not
// parse or announces more than the fuzzer allows.
bool Decode(uint8_t tag, const uint8_t* data, size_t size,
            n2v::v1::UploadSnapshotRequest* out) {
  bool ok = false;
  switch (tag % 4) {
    case 0:
      ok = out->ParseFromArray(data, static_cast<int>(size));
      break;
    case 1:
      ok = out->mutable_header()->ParseFromArray(data, static_cast<int>(size));
      break;
    case 2:
      ok = out->mutable_nodes()->ParseFromArray(data, static_cast<int>(size));
      break;
    case 3:
      ok = out->mutable_edges()->ParseFromArray(data, static_cast<int>(size));
      break;
  }
  if (!ok) return false;
  if (out->has_header() && (out->header().expected_edges() > kMaxExpected ||
                            out->header().expected_nodes() > kMaxExpected)) {
    return false;
  }
  return true;
}

// Checks the built graph's structure, its stats and, for small inputs, every
// adjacency against a map built directly from the input rows.
void CheckGraph(const n2v::CsrGraph& g, const n2v::EdgeList& input,
                bool directed) {
  const uint64_t n = g.num_nodes();
  const n2v::GraphStats& s = g.stats();
  const size_t m = input.sources.size();
  const bool weighted = !input.weights.empty();

  CHECK_OR_DIE(s.num_nodes == n, "stats %llu, graph %llu",
               (unsigned long long)s.num_nodes, (unsigned long long)n);
  CHECK_OR_DIE(s.num_arcs == g.num_arcs(), "stats %llu, graph %llu",
               (unsigned long long)s.num_arcs,
               (unsigned long long)g.num_arcs());
  CHECK_OR_DIE(s.input_edges == m, "stats %llu, input %zu",
               (unsigned long long)s.input_edges, m);
  CHECK_OR_DIE(s.num_edges + s.merged_duplicates == m,
               "edges %llu + merged %llu != input %zu",
               (unsigned long long)s.num_edges,
               (unsigned long long)s.merged_duplicates, m);
  CHECK_OR_DIE(g.directed() == directed, "directed flag");
  CHECK_OR_DIE(g.weighted() == (weighted && m > 0), "weighted flag");

  // Ids: strictly ascending, found at their own position.
  for (uint64_t v = 0; v < n; ++v) {
    if (v > 0) {
      CHECK_OR_DIE(g.original_id(v - 1) < g.original_id(v), "ids unsorted at %llu",
                   (unsigned long long)v);
    }
    auto found = g.ids().Find(g.original_id(v));
    CHECK_OR_DIE(found.has_value() && *found == v, "id lookup at %llu",
                 (unsigned long long)v);
  }

  // Adjacency: offsets add up, lists strictly ascending, targets in range,
  // weights finite and > 0, undirected lists symmetric.
  uint64_t arcs = 0, self_loops = 0, isolated = 0;
  std::set<uint64_t> has_in;
  for (uint64_t v = 0; v < n; ++v) {
    CHECK_OR_DIE(g.arc_begin(v) == arcs, "offset of %llu",
                 (unsigned long long)v);
    const auto nbrs = g.out_neighbors(static_cast<n2v::NodeIndex>(v));
    const auto weights = g.out_weights(static_cast<n2v::NodeIndex>(v));
    CHECK_OR_DIE(weights.size() == (g.weighted() ? nbrs.size() : 0),
                 "weights of %llu", (unsigned long long)v);
    for (size_t i = 0; i < nbrs.size(); ++i) {
      const n2v::NodeIndex x = nbrs[i];
      CHECK_OR_DIE(x < n, "arc %llu -> %u, n = %llu", (unsigned long long)v, x,
                   (unsigned long long)n);
      if (i > 0) {
        CHECK_OR_DIE(nbrs[i - 1] < x, "list of %llu not strictly sorted",
                     (unsigned long long)v);
      }
      if (g.weighted()) {
        CHECK_OR_DIE(std::isfinite(weights[i]) && weights[i] > 0,
                     "weight %g of %llu -> %u", weights[i],
                     (unsigned long long)v, x);
      }
      if (x == v) ++self_loops;
      has_in.insert(x);
      if (!directed) {
        CHECK_OR_DIE(g.HasArc(x, static_cast<n2v::NodeIndex>(v)) &&
                         g.ArcWeight(x, static_cast<n2v::NodeIndex>(v)) ==
                             g.ArcWeight(static_cast<n2v::NodeIndex>(v), x),
                     "undirected arc %llu -> %u has no equal reverse",
                     (unsigned long long)v, x);
      }
    }
    arcs += nbrs.size();
  }
  for (uint64_t v = 0; v < n; ++v) {
    isolated += g.out_degree(static_cast<n2v::NodeIndex>(v)) == 0 &&
                !has_in.contains(v);
  }
  CHECK_OR_DIE(arcs == g.num_arcs(), "sum of degrees %llu, num_arcs %llu",
               (unsigned long long)arcs, (unsigned long long)g.num_arcs());
  CHECK_OR_DIE(s.self_loops == self_loops, "stats %llu, counted %llu",
               (unsigned long long)s.self_loops,
               (unsigned long long)self_loops);
  CHECK_OR_DIE(s.num_edges == (directed ? arcs : (arcs - self_loops) / 2 +
                                                     self_loops),
               "num_edges %llu for %llu arcs", (unsigned long long)s.num_edges,
               (unsigned long long)arcs);
  CHECK_OR_DIE(s.isolated_nodes == isolated, "stats %llu, counted %llu",
               (unsigned long long)s.isolated_nodes,
               (unsigned long long)isolated);

  // The server admits a build by EstimateGraphMemory's build_peak and then
  // keeps memory_bytes charged; the graph must fit in what was admitted.
  // (Its `built` figure assumes dense ids, so it is not checked here.)
  const uint64_t node_bound = 2 * m + input.nodes.size();
  const n2v::GraphMemory estimate =
      n2v::EstimateGraphMemory(node_bound, m, directed, weighted);
  CHECK_OR_DIE(s.memory_bytes <= estimate.build_peak,
               "memory_bytes %llu > build_peak %llu (nodes %llu, edges %zu)",
               (unsigned long long)s.memory_bytes,
               (unsigned long long)estimate.build_peak,
               (unsigned long long)n, m);

  // Slow reference: every node and merged edge of the input, and nothing
  // else.
  if (m > kMaxReferenceEdges) return;
  std::set<int64_t> ids(input.nodes.begin(), input.nodes.end());
  std::map<std::pair<int64_t, int64_t>, double> expected;
  for (size_t i = 0; i < m; ++i) {
    int64_t a = input.sources[i], b = input.targets[i];
    ids.insert(a);
    ids.insert(b);
    if (!directed && b < a) std::swap(a, b);
    expected[{a, b}] += weighted ? input.weights[i] : 1.0;
  }
  CHECK_OR_DIE(ids.size() == n, "reference has %zu nodes, graph %llu",
               ids.size(), (unsigned long long)n);
  CHECK_OR_DIE(expected.size() == s.num_edges,
               "reference has %zu edges, graph %llu", expected.size(),
               (unsigned long long)s.num_edges);
  for (const auto& [edge, weight] : expected) {
    const auto a = g.ids().Find(edge.first);
    const auto b = g.ids().Find(edge.second);
    CHECK_OR_DIE(a.has_value() && b.has_value(), "edge endpoint missing");
    CHECK_OR_DIE(g.HasArc(*a, *b), "edge %lld -> %lld missing",
                 (long long)edge.first, (long long)edge.second);
    if (weighted) {
      // The engine sums in double in sorted order; the reference sums in
      // input order. Both round to the same float up to a few ulps.
      const double got = g.ArcWeight(*a, *b);
      CHECK_OR_DIE(std::fabs(got - weight) <= 1e-5 * weight,
                   "edge %lld -> %lld weight %g, reference %g",
                   (long long)edge.first, (long long)edge.second, got, weight);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Payloads that do not parse are expected; protobuf's error log for each
  // (e.g. a name that is not UTF-8) would only slow the fuzzer down.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  n2v::sidecar::SnapshotAssembler assembler;
  n2v::v1::UploadSnapshotRequest message;
  size_t pos = 0;
  while (pos + 3 <= size) {
    const uint8_t tag = data[pos];
    size_t length = data[pos + 1] | (size_t{data[pos + 2]} << 8);
    pos += 3;
    length = std::min(length, size - pos);
    message.Clear();
    const bool decoded = Decode(tag, data + pos, length, &message);
    pos += length;
    if (!decoded) continue;
    // A rejected message ends the upload, as it ends the RPC.
    if (!assembler.Add(message).ok()) return 0;
  }
  const bool directed = assembler.has_header() && assembler.header().directed();
  absl::StatusOr<n2v::EdgeList> edges = assembler.Finish();
  if (!edges.ok()) return 0;

  // What Finish accepted must be consistent.
  CHECK_OR_DIE(edges->targets.size() == edges->sources.size(), "columns");
  CHECK_OR_DIE(edges->weights.empty() ||
                   edges->weights.size() == edges->sources.size(),
               "weight column");
  for (float w : edges->weights) {
    CHECK_OR_DIE(std::isfinite(w) && w > 0, "assembler accepted weight %g", w);
  }

  const n2v::EdgeList input = *edges;
  absl::StatusOr<n2v::CsrGraph> graph =
      n2v::CsrGraph::Build(std::move(*edges), {.directed = directed,
                                               .num_threads = 1});
  if (!graph.ok()) {
    // The assembler validated the columns and weights, so the only failure
    // left is parallel weights summing past float's range.
    CHECK_OR_DIE(graph.status().message().find("overflows float") !=
                     std::string_view::npos,
                 "build failed after the assembler accepted the upload: %s",
                 std::string(graph.status().message()).c_str());
    return 0;
  }
  CheckGraph(*graph, input, directed);
  return 0;
}
