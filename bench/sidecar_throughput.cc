// Sidecar throughput: how fast graphs go in and vectors come out over a real
// gRPC channel on loopback, against an in-process SidecarServer.
//
//  * Upload: BlogCatalog and a generated graph (uniform random edges over
//    a fixed node count, seeded), each with several edge-chunk sizes. The
//    edge chunks are built before the clock starts, so the figures are the
//    transport's and the server's, not the client's protobuf assembly.
//    Reported: edges/s end to end (first message written to Snapshot
//    response received), and the receive and build seconds the server
//    reports in the Snapshot.
//  * Fetch: a tiny job (1 walk of 2 nodes per node, dimension 128) on the
//    generated graph, then FetchEmbeddings of every row with the server's
//    default chunking, in vectors/s and MB/s of vector payload.
//
// Prints a table and writes bench/results/sidecar-throughput-<date>.{json,md}
// (relative to the working directory; run from the repository root).
//
// Usage: sidecar_throughput [--data=../shared/datasets] [--out=bench/results]
//          [--edges=10000000] [--nodes=1000000] [--repeats=5]
//          [--chunks=16384,65536,262144] [--budget_gib=8]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/utsname.h>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "log.h"
#include "n2v/io/edge_list_reader.h"
#include "n2v/v1/n2v.grpc.pb.h"
#include "server.h"

ABSL_FLAG(std::string, data, "../shared/datasets", "Folder of the data sets");
ABSL_FLAG(std::string, out, "bench/results", "Folder for the JSON and Markdown");
ABSL_FLAG(uint64_t, edges, 10'000'000, "Edges of the generated graph");
ABSL_FLAG(uint64_t, nodes, 1'000'000, "Nodes of the generated graph");
ABSL_FLAG(int, repeats, 5, "Runs per measurement; the median is reported");
ABSL_FLAG(std::string, chunks, "16384,65536,262144", "Edges per upload message");
ABSL_FLAG(double, budget_gib, 8, "Memory budget of the in-process server");

namespace {

using n2v::v1::N2v;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void Die(const std::string& what) {
  std::fprintf(stderr, "sidecar_throughput: %s\n", what.c_str());
  std::exit(1);
}

void DieUnlessOk(const grpc::Status& s, const std::string& what) {
  if (!s.ok()) Die(absl::StrCat(what, ": ", s.error_message()));
}

// splitmix64: a seeded, portable generator for the synthetic graph.
uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

n2v::EdgeList UniformGraph(uint64_t nodes, uint64_t edges, uint64_t seed) {
  n2v::EdgeList list;
  list.sources.resize(edges);
  list.targets.resize(edges);
  uint64_t state = seed;
  for (uint64_t i = 0; i < edges; ++i) {
    list.sources[i] = static_cast<int64_t>(SplitMix(state) % nodes);
    list.targets[i] = static_cast<int64_t>(SplitMix(state) % nodes);
  }
  // Every node exists even if no edge touches it.
  list.nodes.resize(nodes);
  for (uint64_t v = 0; v < nodes; ++v) list.nodes[v] = static_cast<int64_t>(v);
  return list;
}

struct Graph {
  std::string name;
  n2v::EdgeList edges;
  bool directed = false;
};

// The upload messages of one graph: header, node chunks, edge chunks.
std::vector<n2v::v1::UploadSnapshotRequest> Messages(const Graph& g,
                                                     size_t chunk) {
  std::vector<n2v::v1::UploadSnapshotRequest> out;
  n2v::v1::UploadSnapshotRequest m;
  n2v::v1::SnapshotHeader* h = m.mutable_header();
  h->set_name(g.name);
  h->set_directed(g.directed);
  h->set_weighted(!g.edges.weights.empty());
  h->set_expected_edges(g.edges.sources.size());
  h->set_expected_nodes(g.edges.nodes.size());
  out.push_back(m);
  const auto& e = g.edges;
  for (size_t b = 0; b < e.nodes.size(); b += chunk) {
    const size_t end = std::min(e.nodes.size(), b + chunk);
    m.Clear();
    m.mutable_nodes()->mutable_ids()->Add(e.nodes.begin() + b,
                                          e.nodes.begin() + end);
    out.push_back(m);
  }
  for (size_t b = 0; b < e.sources.size(); b += chunk) {
    const size_t end = std::min(e.sources.size(), b + chunk);
    m.Clear();
    n2v::v1::EdgeChunk* c = m.mutable_edges();
    c->mutable_source()->Add(e.sources.begin() + b, e.sources.begin() + end);
    c->mutable_target()->Add(e.targets.begin() + b, e.targets.begin() + end);
    if (!e.weights.empty()) {
      c->mutable_weight()->Add(e.weights.begin() + b, e.weights.begin() + end);
    }
    out.push_back(m);
  }
  return out;
}

struct UploadRun {
  double wall_seconds;
  n2v::v1::Snapshot snapshot;
};

UploadRun Upload(N2v::Stub& stub,
                 const std::vector<n2v::v1::UploadSnapshotRequest>& messages) {
  grpc::ClientContext context;
  n2v::v1::Snapshot snapshot;
  const Clock::time_point start = Clock::now();
  auto writer = stub.UploadSnapshot(&context, &snapshot);
  for (const auto& m : messages) {
    if (!writer->Write(m)) break;  // the server ended the call; Finish says why
  }
  writer->WritesDone();
  DieUnlessOk(writer->Finish(), "UploadSnapshot");
  return {Seconds(start, Clock::now()), snapshot};
}

void DeleteSnapshot(N2v::Stub& stub, const std::string& id) {
  grpc::ClientContext context;
  n2v::v1::DeleteSnapshotRequest request;
  n2v::v1::DeleteSnapshotResponse response;
  request.set_snapshot_id(id);
  DieUnlessOk(stub.DeleteSnapshot(&context, request, &response),
              "DeleteSnapshot");
}

struct UploadRow {
  std::string graph;
  uint64_t nodes, input_edges;
  size_t chunk;
  size_t messages;
  double wire_mib;  // serialized size of all messages
  double wall, receive, build;  // medians, seconds
  double edges_per_second;      // input edges / wall
  double receive_edges_per_second;  // input edges / receive
};

struct FetchRow {
  std::string graph;
  uint64_t rows;
  uint32_t dimensions;
  uint64_t chunks;
  double train_seconds;
  double wall;  // median seconds
  double vectors_per_second;
  double mb_per_second;  // vector payload, 10^6 bytes
};

UploadRow MeasureUpload(N2v::Stub& stub, const Graph& g, size_t chunk,
                        int repeats, std::string* keep_snapshot) {
  const auto messages = Messages(g, chunk);
  uint64_t wire = 0;
  for (const auto& m : messages) wire += m.ByteSizeLong();
  std::vector<double> wall, receive, build;
  UploadRun last{};
  for (int r = 0; r < repeats; ++r) {
    last = Upload(stub, messages);
    wall.push_back(last.wall_seconds);
    receive.push_back(last.snapshot.upload_seconds());
    build.push_back(last.snapshot.build_seconds());
    const bool keep = keep_snapshot != nullptr && r + 1 == repeats;
    if (keep) {
      *keep_snapshot = last.snapshot.snapshot_id();
    } else {
      DeleteSnapshot(stub, last.snapshot.snapshot_id());
    }
  }
  UploadRow row{g.name,
                last.snapshot.nodes(),
                last.snapshot.input_edges(),
                chunk,
                messages.size(),
                wire / 1048576.0,
                Median(wall),
                Median(receive),
                Median(build),
                0,
                0};
  row.edges_per_second = row.input_edges / row.wall;
  row.receive_edges_per_second = row.input_edges / row.receive;
  std::printf("%-26s %10llu %8zu %8.1f %8.3f %8.3f %8.3f %12.0f %12.0f\n",
              row.graph.c_str(), (unsigned long long)row.input_edges, row.chunk,
              row.wire_mib, row.wall, row.receive, row.build,
              row.edges_per_second, row.receive_edges_per_second);
  std::fflush(stdout);
  return row;
}

FetchRow MeasureFetch(N2v::Stub& stub, const std::string& graph_name,
                      const std::string& snapshot_id, int repeats) {
  n2v::v1::Job job;
  {
    grpc::ClientContext context;
    n2v::v1::StartJobRequest request;
    request.set_snapshot_id(snapshot_id);
    request.set_label("sidecar_throughput");
    auto* p = request.mutable_params();
    p->set_walks_per_node(1);
    p->set_walk_length(2);
    p->set_window_size(1);
    p->set_embedding_dimension(128);
    DieUnlessOk(stub.StartJob(&context, request, &job), "StartJob");
  }
  n2v::v1::JobProgress last;
  {
    grpc::ClientContext context;
    n2v::v1::WatchJobRequest request;
    request.set_job_id(job.job_id());
    request.set_interval_ms(200);
    auto reader = stub.WatchJob(&context, request);
    while (reader->Read(&last)) {
    }
    DieUnlessOk(reader->Finish(), "WatchJob");
  }
  if (last.state() != n2v::v1::JOB_STATE_SUCCEEDED) {
    Die(absl::StrCat("job ", job.job_id(), " ended ",
                     n2v::v1::JobState_Name(last.state()), ": ", last.error()));
  }
  {
    grpc::ClientContext context;
    n2v::v1::GetJobRequest request;
    request.set_job_id(job.job_id());
    DieUnlessOk(stub.GetJob(&context, request, &job), "GetJob");
  }

  std::vector<double> wall;
  uint64_t rows = 0, chunks = 0, payload = 0;
  uint32_t dimensions = 0;
  for (int r = 0; r < repeats; ++r) {
    grpc::ClientContext context;
    n2v::v1::FetchEmbeddingsRequest request;
    request.set_job_id(job.job_id());
    n2v::v1::EmbeddingChunk chunk;
    rows = chunks = payload = 0;
    const Clock::time_point start = Clock::now();
    auto reader = stub.FetchEmbeddings(&context, request);
    while (reader->Read(&chunk)) {
      rows += chunk.node_ids_size();
      payload += chunk.vectors().size();
      dimensions = chunk.dimensions();
      ++chunks;
    }
    DieUnlessOk(reader->Finish(), "FetchEmbeddings");
    wall.push_back(Seconds(start, Clock::now()));
  }
  if (rows != job.nodes()) {
    Die(absl::StrCat("fetched ", rows, " rows, the job has ", job.nodes()));
  }
  {
    grpc::ClientContext context;
    n2v::v1::DeleteJobRequest request;
    n2v::v1::DeleteJobResponse response;
    request.set_job_id(job.job_id());
    DieUnlessOk(stub.DeleteJob(&context, request, &response), "DeleteJob");
  }
  FetchRow row{graph_name,
               rows,
               dimensions,
               chunks,
               job.counting_seconds() + job.training_seconds(),
               Median(wall),
               0,
               0};
  row.vectors_per_second = rows / row.wall;
  row.mb_per_second = payload / row.wall / 1e6;
  return row;
}

std::string Json(const std::string& date, const std::string& machine,
                 const std::vector<UploadRow>& uploads, const FetchRow& fetch,
                 int repeats) {
  std::string s = absl::StrFormat(
      "{\n  \"date\": \"%s\",\n  \"machine\": \"%s\",\n  \"repeats\": %d,\n"
      "  \"upload\": [\n",
      date, machine, repeats);
  for (size_t i = 0; i < uploads.size(); ++i) {
    const UploadRow& r = uploads[i];
    absl::StrAppendFormat(
        &s,
        "    {\"graph\": \"%s\", \"nodes\": %d, \"input_edges\": %d, "
        "\"chunk_edges\": %d, \"messages\": %d, \"wire_mib\": %.2f, "
        "\"wall_seconds\": %.4f, \"receive_seconds\": %.4f, "
        "\"build_seconds\": %.4f, \"edges_per_second\": %.0f, "
        "\"receive_edges_per_second\": %.0f}%s\n",
        r.graph, r.nodes, r.input_edges, r.chunk, r.messages, r.wire_mib,
        r.wall, r.receive, r.build, r.edges_per_second,
        r.receive_edges_per_second,
        i + 1 < uploads.size() ? "," : "");
  }
  absl::StrAppendFormat(
      &s,
      "  ],\n  \"fetch\": {\"graph\": \"%s\", \"rows\": %d, \"dimensions\": %d, "
      "\"chunks\": %d, \"train_seconds\": %.3f, \"wall_seconds\": %.4f, "
      "\"vectors_per_second\": %.0f, \"mb_per_second\": %.1f}\n}\n",
      fetch.graph, fetch.rows, fetch.dimensions, fetch.chunks,
      fetch.train_seconds, fetch.wall, fetch.vectors_per_second,
      fetch.mb_per_second);
  return s;
}

std::string Markdown(const std::string& date, const std::string& machine,
                     const std::vector<UploadRow>& uploads, const FetchRow& f,
                     int repeats) {
  std::string s = absl::StrFormat(
      "# Sidecar throughput %s\n\nMachine: %s. In-process server, gRPC over "
      "loopback (insecure), medians of %d runs. Upload: edges/s = input "
      "edges / wall time from the first message to the Snapshot response; "
      "receive and build are the server's own figures (receive edges/s "
      "leaves the graph build out).\n\n"
      "| graph | input edges | chunk edges | wire MiB | wall s | receive s | "
      "build s | edges/s | receive edges/s |\n"
      "|---|---|---|---|---|---|---|---|---|\n",
      date, machine, repeats);
  for (const UploadRow& r : uploads) {
    absl::StrAppendFormat(
        &s, "| %s | %d | %d | %.1f | %.3f | %.3f | %.3f | %.2f M | %.1f M |\n",
        r.graph, r.input_edges, r.chunk, r.wire_mib, r.wall, r.receive,
        r.build, r.edges_per_second / 1e6, r.receive_edges_per_second / 1e6);
  }
  absl::StrAppendFormat(
      &s,
      "\nFetch (FetchEmbeddings, default chunking) after a job with "
      "walks_per_node 1, walk_length 2, dimension %d (%.2f s of training):\n\n"
      "| graph | rows | chunks | wall s | vectors/s | MB/s |\n"
      "|---|---|---|---|---|---|\n| %s | %d | %d | %.3f | %.0f | %.1f |\n",
      f.dimensions, f.train_seconds, f.graph, f.rows, f.chunks, f.wall,
      f.vectors_per_second, f.mb_per_second);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int repeats = std::max(1, absl::GetFlag(FLAGS_repeats));
  std::vector<size_t> chunk_sizes;
  for (absl::string_view part : absl::StrSplit(absl::GetFlag(FLAGS_chunks), ',')) {
    size_t v = 0;
    if (!absl::SimpleAtoi(part, &v) || v == 0) {
      Die(absl::StrCat("--chunks: not a positive number: '", part, "'"));
    }
    chunk_sizes.push_back(v);
  }
  n2v::sidecar::SetLogLevel(n2v::sidecar::LogLevel::kWarning);

  std::vector<Graph> graphs;
  {
    const std::string path =
        absl::GetFlag(FLAGS_data) + "/blogcatalog/blogcatalog.edgelist";
    auto edges = n2v::io::ReadEdgeList(path, {});
    if (!edges.ok()) Die(std::string(edges.status().message()));
    graphs.push_back({"BlogCatalog", std::move(*edges), false});
  }
  const uint64_t gen_nodes = absl::GetFlag(FLAGS_nodes);
  const uint64_t gen_edges = absl::GetFlag(FLAGS_edges);
  graphs.push_back({absl::StrCat("uniform-", gen_nodes, "n-", gen_edges, "e"),
                    UniformGraph(gen_nodes, gen_edges, /*seed=*/42), false});

  n2v::sidecar::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.service.memory_budget_bytes =
      static_cast<uint64_t>(absl::GetFlag(FLAGS_budget_gib) * (1ull << 30));
  options.service.max_jobs = 1;
  options.service.retention = absl::Hours(24);
  options.grace = absl::Seconds(1);
  auto server = n2v::sidecar::SidecarServer::Start(options);
  if (!server.ok()) Die(std::string(server.status().message()));

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", (*server)->port()),
      grpc::InsecureChannelCredentials(), args);
  auto stub = N2v::NewStub(channel);

  utsname host{};
  uname(&host);
  const std::string machine = absl::StrCat(
      std::thread::hardware_concurrency(), " cores, ", host.machine);
  std::printf("Upload (median of %d)\n", repeats);
  std::printf("%-26s %10s %8s %8s %8s %8s %8s %12s %12s\n", "graph", "edges",
              "chunk", "wireMiB", "wall s", "recv s", "build s", "edges/s",
              "recv edges/s");
  std::vector<UploadRow> uploads;
  std::string fetch_snapshot;
  for (size_t gi = 0; gi < graphs.size(); ++gi) {
    for (size_t ci = 0; ci < chunk_sizes.size(); ++ci) {
      const bool keep = gi + 1 == graphs.size() && ci + 1 == chunk_sizes.size();
      uploads.push_back(MeasureUpload(*stub, graphs[gi], chunk_sizes[ci],
                                      repeats, keep ? &fetch_snapshot : nullptr));
    }
  }
  // The generated graph's columns are no longer needed by the client.
  graphs.clear();

  const FetchRow fetch =
      MeasureFetch(*stub, uploads.back().graph, fetch_snapshot, repeats);
  std::printf("\nFetch (median of %d)\n%-26s %10s %4s %8s %8s %12s %9s\n",
              repeats, "graph", "rows", "dim", "chunks", "wall s", "vectors/s",
              "MB/s");
  std::printf("%-26s %10llu %4u %8llu %8.3f %12.0f %9.1f\n",
              fetch.graph.c_str(), (unsigned long long)fetch.rows,
              fetch.dimensions, (unsigned long long)fetch.chunks, fetch.wall,
              fetch.vectors_per_second, fetch.mb_per_second);
  DeleteSnapshot(*stub, fetch_snapshot);
  (*server)->Shutdown();

  const std::string date =
      absl::FormatTime("%Y-%m-%d", absl::Now(), absl::LocalTimeZone());
  const std::string base =
      absl::StrCat(absl::GetFlag(FLAGS_out), "/sidecar-throughput-", date);
  std::ofstream(base + ".json") << Json(date, machine, uploads, fetch, repeats);
  std::ofstream(base + ".md") << Markdown(date, machine, uploads, fetch, repeats);
  if (!std::ifstream(base + ".json")) Die(absl::StrCat("cannot write ", base, ".json"));
  std::printf("\nwrote %s.json and %s.md\n", base.c_str(), base.c_str());
  return 0;
}
