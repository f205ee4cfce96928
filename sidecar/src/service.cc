// N2vService: the RPC handlers.
#include "service.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc_status.h"
#include "log.h"
#include "n2v/edge_features.h"
#include "n2v/graph_diff.h"
#include "params.h"
#include "snapshot_assembler.h"

namespace n2v::sidecar {
namespace {

// Bytes of payload per streamed chunk, below gRPC's default 4 MiB limit on
// received messages.
constexpr uint64_t kMaxChunkBytes = 2u << 20;
constexpr uint32_t kDefaultChunkRows = 4096;
constexpr absl::Duration kDefaultWatchInterval = absl::Milliseconds(500);

grpc::Status Invalid(auto&&... parts) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat(parts...));
}

uint32_t ChunkRows(uint32_t requested, uint64_t row_bytes) {
  const uint64_t cap = std::max<uint64_t>(1, kMaxChunkBytes / row_bytes);
  const uint64_t want = requested == 0 ? kDefaultChunkRows : requested;
  return static_cast<uint32_t>(std::min(want, cap));
}

absl::StatusOr<EdgeOperator> ToOperator(v1::EdgeOperator op) {
  switch (op) {
    case v1::EDGE_OPERATOR_AVERAGE:
      return EdgeOperator::kAverage;
    case v1::EDGE_OPERATOR_HADAMARD:
      return EdgeOperator::kHadamard;
    case v1::EDGE_OPERATOR_WEIGHTED_L1:
      return EdgeOperator::kWeightedL1;
    case v1::EDGE_OPERATOR_WEIGHTED_L2:
      return EdgeOperator::kWeightedL2;
    case v1::EDGE_OPERATOR_COSINE:
      return EdgeOperator::kCosine;
    case v1::EDGE_OPERATOR_DOT:
      return EdgeOperator::kDot;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "operator must be AVERAGE, HADAMARD, WEIGHTED_L1, WEIGHTED_L2, "
          "COSINE or DOT, got ",
          static_cast<int>(op)));
  }
}

bool Done(v1::JobState s) {
  return s == v1::JOB_STATE_SUCCEEDED || s == v1::JOB_STATE_FAILED ||
         s == v1::JOB_STATE_CANCELLED;
}

// Fills a feature chunk for pairs [begin, end) of the given columns.
absl::Status FillFeatures(const Embeddings& embeddings, EdgeOperator op,
                          std::span<const int64_t> sources,
                          std::span<const int64_t> targets, uint64_t offset,
                          v1::FeatureChunk* chunk) {
  absl::StatusOr<std::vector<float>> features =
      ComputeEdgeFeatures(embeddings, sources, targets, op, /*num_threads=*/1);
  if (!features.ok()) return features.status();
  chunk->set_offset(offset);
  chunk->set_width(EdgeFeatureWidth(op, embeddings.dimensions()));
  chunk->mutable_source()->Assign(sources.begin(), sources.end());
  chunk->mutable_target()->Assign(targets.begin(), targets.end());
  chunk->set_features(features->data(), features->size() * sizeof(float));
  return absl::OkStatus();
}

}  // namespace

N2vService::N2vService(ServiceOptions options)
    : options_(std::move(options)),
      budget_(options_.memory_budget_bytes),
      jobs_(&budget_, options_.max_jobs) {}

N2vService::~N2vService() { Shutdown(absl::ZeroDuration()); }

void N2vService::Shutdown(absl::Duration grace) {
  shutting_down_ = true;
  jobs_.Shutdown(grace);
}

void N2vService::DropExpired() {
  const absl::Time cutoff = absl::Now() - options_.retention;
  for (const std::string& id : jobs_.DropFinishedBefore(cutoff)) {
    Log(LogLevel::kInfo, "job_expired", {{"job_id", id}});
  }
  for (const std::string& id : snapshots_.DropUnusedSince(cutoff)) {
    Log(LogLevel::kInfo, "snapshot_expired", {{"snapshot_id", id}});
  }
}

grpc::Status N2vService::Authorize(grpc::ServerContext* context) const {
  if (!options_.tokens.enabled()) return grpc::Status::OK;
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end() &&
      options_.tokens.Accepts(std::string_view(it->second.data(),
                                               it->second.size()))) {
    return grpc::Status::OK;
  }
  Log(LogLevel::kWarning, "unauthenticated", {{"peer", context->peer()}});
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      it == metadata.end()
                          ? "missing bearer token: send metadata "
                            "'authorization: Bearer <token>'"
                          : "invalid bearer token");
}

template <typename NextMessage>
absl::StatusOr<v1::Snapshot> N2vService::ReceiveSnapshot(
    grpc::ServerContext* context, NextMessage next) {
  const absl::Time started = absl::Now();
  SnapshotAssembler assembler;
  absl::StatusOr<Reservation> memory = budget_.Reserve(0, "snapshot upload");
  if (!memory.ok()) return memory.status();
  v1::UploadSnapshotRequest message;
  while (next(&message)) {
    if (absl::Status s = assembler.Add(message); !s.ok()) return s;
    if (assembler.bytes() > memory->bytes()) {
      if (absl::Status s = memory->Resize(assembler.bytes(), "snapshot upload");
          !s.ok()) {
        return s;
      }
    }
  }
  if (context->IsCancelled()) {
    return absl::CancelledError("upload aborted by the client");
  }
  const v1::SnapshotHeader header = assembler.header();
  absl::StatusOr<EdgeList> edges = assembler.Finish();
  if (!edges.ok()) return edges.status();
  const uint64_t node_bound = 2 * edges->sources.size() + edges->nodes.size();
  const GraphMemory estimate = EstimateGraphMemory(
      node_bound, edges->sources.size(), header.directed(), header.weighted());
  if (absl::Status s = memory->Resize(estimate.build_peak, "snapshot build");
      !s.ok()) {
    return s;
  }
  const absl::Time build_started = absl::Now();
  absl::StatusOr<CsrGraph> graph =
      CsrGraph::Build(std::move(*edges), {.directed = header.directed()});
  if (!graph.ok()) return graph.status();
  const GraphStats stats = graph->stats();  // a copy: the graph moves below
  auto holder = std::make_shared<GraphHolder>(std::move(*graph), Reservation());
  uint64_t held = stats.memory_bytes;
  if (assembler.initial_rows() > 0) {
    absl::StatusOr<SnapshotAssembler::Initial> initial = assembler.TakeInitial();
    if (!initial.ok()) return initial.status();
    holder->initial = std::move(initial->vectors);
    holder->initial_context = std::move(initial->context);
    const uint64_t rows = holder->initial.size();
    held += rows * (sizeof(int64_t) + 24) +
            rows * holder->initial.stride() * sizeof(float) *
                (holder->initial_context.size() > 0 ? 2 : 1);
  }
  memory->Resize(held, "snapshot").IgnoreError();  // shrinking
  holder->memory = std::move(*memory);
  const SnapshotStore::Latest latest =
      header.name().empty() ? SnapshotStore::Latest{}
                            : snapshots_.LatestOf(header.name());
  const std::shared_ptr<const GraphHolder>& previous = latest.graph;
  if (previous) {
    GraphChanges changes = DiffGraphs(previous->graph, holder->graph);
    holder->has_previous = true;
    holder->changed_nodes = std::move(changes.changed);
    holder->removed_nodes = changes.removed.size();
  }
  v1::Snapshot info;
  info.set_name(header.name());
  info.set_directed(header.directed());
  info.set_weighted(header.weighted());
  info.set_nodes(stats.num_nodes);
  info.set_edges(stats.num_edges);
  info.set_self_loops(stats.self_loops);
  info.set_merged_duplicates(stats.merged_duplicates);
  info.set_isolated_nodes(stats.isolated_nodes);
  info.set_input_edges(stats.input_edges);
  info.set_memory_bytes(stats.memory_bytes);
  info.set_build_seconds(absl::ToDoubleSeconds(absl::Now() - build_started));
  info.set_upload_seconds(absl::ToDoubleSeconds(build_started - started));
  info.set_created_unix_ms(absl::ToUnixMillis(absl::Now()));
  info.set_initial_vectors(holder->initial.size());
  info.set_changed_nodes(holder->changed_nodes.size());
  info.set_removed_nodes(holder->removed_nodes);
  std::shared_ptr<const GraphHolder> stored = std::move(holder);
  info.set_previous_snapshot_id(latest.snapshot_id);
  info = snapshots_.Add(stored, std::move(info));
  if (!header.name().empty() && header.track_changes()) {
    snapshots_.SetLatest(header.name(), info.snapshot_id(), stored);
  }
  Log(LogLevel::kInfo, "snapshot_created",
      {{"snapshot_id", info.snapshot_id()}, {"name", info.name()},
       {"nodes", info.nodes()}, {"edges", info.edges()},
       {"input_edges", info.input_edges()},
       {"merged_duplicates", info.merged_duplicates()},
       {"self_loops", info.self_loops()}, {"memory_bytes", info.memory_bytes()},
       {"initial_vectors", info.initial_vectors()},
       {"previous_snapshot_id", info.previous_snapshot_id()},
       {"changed_nodes", info.changed_nodes()},
       {"upload_seconds", info.upload_seconds()},
       {"build_seconds", info.build_seconds()}});
  return info;
}

grpc::Status N2vService::UploadSnapshot(
    grpc::ServerContext* context,
    grpc::ServerReader<v1::UploadSnapshotRequest>* reader,
    v1::Snapshot* response) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  absl::StatusOr<v1::Snapshot> snapshot = ReceiveSnapshot(
      context, [&](v1::UploadSnapshotRequest* m) { return reader->Read(m); });
  if (!snapshot.ok()) {
    Log(LogLevel::kWarning, "upload_failed",
        {{"peer", context->peer()},
         {"error", std::string(snapshot.status().message())}});
    return ToGrpcStatus(snapshot.status());
  }
  *response = *snapshot;
  return grpc::Status::OK;
}

grpc::Status N2vService::GetSnapshot(grpc::ServerContext* context,
                                     const v1::GetSnapshotRequest* request,
                                     v1::Snapshot* response) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  auto entry = snapshots_.Get(request->snapshot_id());
  if (!entry.ok()) return ToGrpcStatus(entry.status());
  *response = entry->info;
  return grpc::Status::OK;
}

grpc::Status N2vService::ListSnapshots(grpc::ServerContext* context,
                                       const v1::ListSnapshotsRequest*,
                                       v1::ListSnapshotsResponse* response) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  for (auto& snapshot : snapshots_.List()) {
    *response->add_snapshots() = std::move(snapshot);
  }
  return grpc::Status::OK;
}

grpc::Status N2vService::DeleteSnapshot(grpc::ServerContext* context,
                                        const v1::DeleteSnapshotRequest* request,
                                        v1::DeleteSnapshotResponse*) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  absl::Status status = snapshots_.Delete(request->snapshot_id());
  if (status.ok()) {
    Log(LogLevel::kInfo, "snapshot_deleted",
        {{"snapshot_id", request->snapshot_id()}});
  }
  return ToGrpcStatus(status);
}

grpc::Status N2vService::EstimateJob(grpc::ServerContext* context,
                                     const v1::EstimateJobRequest* request,
                                     v1::Estimate* response) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  absl::StatusOr<EmbedOptions> options = ToEmbedOptions(request->params());
  if (!options.ok()) return ToGrpcStatus(options.status());
  uint64_t nodes, arcs;
  bool weighted;
  if (!request->snapshot_id().empty()) {
    auto entry = snapshots_.Get(request->snapshot_id());
    if (!entry.ok()) return ToGrpcStatus(entry.status());
    const CsrGraph& g = entry->graph->graph;
    nodes = g.num_nodes();
    arcs = g.num_arcs();
    weighted = g.weighted();
  } else {
    if (request->nodes() == 0) {
      return Invalid("estimate needs snapshot_id, or nodes (> 0) and edges");
    }
    nodes = request->nodes();
    arcs = request->directed() ? request->edges() : 2 * request->edges();
    weighted = request->weighted();
    response->set_graph_bytes(EstimateGraphMemory(nodes, request->edges(),
                                                  request->directed(), weighted)
                                  .build_peak);
  }
  const EmbedMemory memory = EstimateEmbedMemory(nodes, arcs, weighted, *options);
  response->set_job_bytes(memory.peak);
  response->set_result_bytes(memory.result);
  response->set_free_bytes(budget_.available());
  response->set_fits(response->graph_bytes() + memory.peak <=
                     budget_.available());
  const uint64_t walk_nodes = nodes * options->walks_per_node *
                              options->walk.walk_length;
  response->set_walk_nodes(walk_nodes * options->epochs);
  double rate = jobs_.MeasuredNodesPerSecond();
  if (rate <= 0) rate = 1e6;  // a conservative figure before any job ran
  response->set_estimated_seconds(walk_nodes * (options->epochs + 0.1) / rate);
  return grpc::Status::OK;
}

grpc::Status N2vService::StartJob(grpc::ServerContext* context,
                                  const v1::StartJobRequest* request,
                                  v1::Job* response) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  auto entry = snapshots_.Get(request->snapshot_id());
  if (!entry.ok()) return ToGrpcStatus(entry.status());
  auto job = jobs_.Start(request->snapshot_id(), entry->graph, request->params(),
                         request->label());
  if (!job.ok()) return ToGrpcStatus(job.status());
  *response = *job;
  return grpc::Status::OK;
}

grpc::Status N2vService::WatchJob(grpc::ServerContext* context,
                                  const v1::WatchJobRequest* request,
                                  grpc::ServerWriter<v1::JobProgress>* writer) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  const absl::Duration interval =
      request->interval_ms() == 0
          ? kDefaultWatchInterval
          : absl::Milliseconds(std::clamp<uint32_t>(request->interval_ms(), 20,
                                                    60000));
  absl::Duration wait = absl::ZeroDuration();
  while (true) {
    auto progress = jobs_.WaitUntilDone(request->job_id(), wait);
    if (!progress.ok()) return ToGrpcStatus(progress.status());
    if (!writer->Write(*progress) || Done(progress->state())) break;
    if (context->IsCancelled()) break;
    if (shutting_down_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the server is shutting down");
    }
    wait = interval;
  }
  return grpc::Status::OK;
}

grpc::Status N2vService::GetJob(grpc::ServerContext* context,
                                const v1::GetJobRequest* request,
                                v1::Job* response) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  auto job = jobs_.Get(request->job_id());
  if (!job.ok()) return ToGrpcStatus(job.status());
  *response = *job;
  return grpc::Status::OK;
}

grpc::Status N2vService::ListJobs(grpc::ServerContext* context,
                                  const v1::ListJobsRequest*,
                                  v1::ListJobsResponse* response) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  for (auto& job : jobs_.List()) *response->add_jobs() = std::move(job);
  return grpc::Status::OK;
}

grpc::Status N2vService::CancelJob(grpc::ServerContext* context,
                                   const v1::CancelJobRequest* request,
                                   v1::Job* response) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  auto job = jobs_.Cancel(request->job_id());
  if (!job.ok()) return ToGrpcStatus(job.status());
  Log(LogLevel::kInfo, "job_cancel_requested", {{"job_id", request->job_id()}});
  *response = *job;
  return grpc::Status::OK;
}

grpc::Status N2vService::DeleteJob(grpc::ServerContext* context,
                                   const v1::DeleteJobRequest* request,
                                   v1::DeleteJobResponse*) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  absl::Status status = jobs_.Delete(request->job_id());
  if (status.ok()) {
    Log(LogLevel::kInfo, "job_deleted", {{"job_id", request->job_id()}});
  }
  return ToGrpcStatus(status);
}

grpc::Status N2vService::StreamEmbeddings(grpc::ServerContext* context,
                                          const std::string& job_id,
                                          uint64_t offset, uint32_t chunk_rows,
                                          bool context_vectors, auto write) {
  auto result = context_vectors ? jobs_.Context(job_id) : jobs_.Result(job_id);
  if (!result.ok()) return ToGrpcStatus(result.status());
  const Embeddings& e = **result;
  const uint64_t total = e.size();
  if (offset > total) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                        absl::StrCat("offset ", offset, " is past the ", total,
                                     " rows of job '", job_id, "'"));
  }
  const uint32_t d = e.dimensions();
  const uint32_t rows = ChunkRows(chunk_rows, uint64_t{d} * 4 + 8);
  v1::EmbeddingChunk chunk;
  std::string bytes;  // reused: swapped into the chunk and back
  for (uint64_t begin = offset; begin < total; begin += rows) {
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "fetch cancelled");
    }
    const uint64_t end = std::min<uint64_t>(total, begin + rows);
    chunk.Clear();
    chunk.set_offset(begin);
    chunk.set_total_rows(total);
    chunk.set_dimensions(d);
    bytes.resize((end - begin) * d * sizeof(float));
    for (uint64_t r = begin; r < end; ++r) {
      chunk.add_node_ids(e.id(r));
      std::memcpy(bytes.data() + (r - begin) * d * sizeof(float),
                  e.row(r).data(), d * sizeof(float));
    }
    chunk.mutable_vectors()->swap(bytes);
    if (!write(chunk)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    chunk.mutable_vectors()->swap(bytes);
  }
  if (total == offset) {
    // Still tell an up-to-date client the shape of the result.
    chunk.Clear();
    chunk.set_offset(offset);
    chunk.set_total_rows(total);
    chunk.set_dimensions(d);
    write(chunk);
  }
  return grpc::Status::OK;
}

grpc::Status N2vService::FetchEmbeddings(
    grpc::ServerContext* context, const v1::FetchEmbeddingsRequest* request,
    grpc::ServerWriter<v1::EmbeddingChunk>* writer) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  return StreamEmbeddings(
      context, request->job_id(), request->offset(), request->chunk_rows(),
      request->context(),
      [&](const v1::EmbeddingChunk& chunk) { return writer->Write(chunk); });
}

grpc::Status N2vService::EdgeFeatures(
    grpc::ServerContext* context, const v1::EdgeFeaturesRequest* request,
    grpc::ServerWriter<v1::FeatureChunk>* writer) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  absl::StatusOr<EdgeOperator> op = ToOperator(request->operator_());
  if (!op.ok()) return ToGrpcStatus(op.status());
  auto result = jobs_.Result(request->job_id());
  if (!result.ok()) return ToGrpcStatus(result.status());
  auto holder = jobs_.Graph(request->job_id());
  if (!holder.ok()) return ToGrpcStatus(holder.status());
  const CsrGraph& g = (*holder)->graph;
  const Embeddings& e = **result;
  const uint32_t width = EdgeFeatureWidth(*op, e.dimensions());
  const uint32_t per_chunk = ChunkRows(request->chunk_pairs(), width * 4 + 16);
  std::vector<int64_t> sources, targets;
  uint64_t index = 0;  // edges seen so far, in stream order
  uint64_t chunk_offset = request->offset();
  auto flush = [&]() -> grpc::Status {
    if (sources.empty()) return grpc::Status::OK;
    v1::FeatureChunk chunk;
    if (absl::Status s = FillFeatures(e, *op, sources, targets, chunk_offset, &chunk);
        !s.ok()) {
      return ToGrpcStatus(s);
    }
    chunk_offset += sources.size();
    sources.clear();
    targets.clear();
    if (context->IsCancelled() || !writer->Write(chunk)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    return grpc::Status::OK;
  };
  for (NodeIndex v = 0; v < g.num_nodes(); ++v) {
    for (NodeIndex x : g.out_neighbors(v)) {
      if (!g.directed() && x < v) continue;  // each undirected edge once
      if (index++ < request->offset()) continue;
      sources.push_back(g.original_id(v));
      targets.push_back(g.original_id(x));
      if (sources.size() == per_chunk) {
        if (grpc::Status s = flush(); !s.ok()) return s;
      }
    }
  }
  return flush();
}

grpc::Status N2vService::PairFeatures(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::FeatureChunk, v1::PairFeaturesRequest>* stream) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  v1::PairFeaturesRequest message;
  if (!stream->Read(&message) || !message.has_header()) {
    return Invalid("header missing: the first message of PairFeatures must "
                   "be the header");
  }
  const v1::PairFeaturesHeader header = message.header();
  absl::StatusOr<EdgeOperator> op = ToOperator(header.operator_());
  if (!op.ok()) return ToGrpcStatus(op.status());
  auto result = jobs_.Result(header.job_id());
  if (!result.ok()) return ToGrpcStatus(result.status());
  uint64_t offset = 0, chunk_index = 0;
  while (stream->Read(&message)) {
    if (message.has_header()) {
      return Invalid("header repeated: PairFeatures takes one header, first");
    }
    const v1::PairChunk& pairs = message.pairs();
    if (pairs.source_size() != pairs.target_size()) {
      return Invalid("pair chunk ", chunk_index, ": source has ",
                     pairs.source_size(), " values but target has ",
                     pairs.target_size());
    }
    v1::FeatureChunk chunk;
    absl::Status s = FillFeatures(
        **result, *op,
        std::span<const int64_t>(pairs.source().data(), pairs.source_size()),
        std::span<const int64_t>(pairs.target().data(), pairs.target_size()),
        offset, &chunk);
    if (!s.ok()) {
      return ToGrpcStatus(absl::Status(
          s.code(), absl::StrCat("pair chunk ", chunk_index, ": ", s.message())));
    }
    offset += pairs.source_size();
    ++chunk_index;
    if (!stream->Write(chunk)) break;
  }
  return grpc::Status::OK;
}

grpc::Status N2vService::Embed(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::EmbeddingChunk, v1::EmbedRequest>* stream) {
  if (grpc::Status s = Authorize(context); !s.ok()) return s;
  v1::EmbedRequest message;
  if (!stream->Read(&message) || !message.has_header()) {
    return Invalid("header missing: the first message of Embed must be the "
                   "header");
  }
  const v1::EmbedHeader header = message.header();
  if (absl::StatusOr<EmbedOptions> o = ToEmbedOptions(header.params()); !o.ok()) {
    return ToGrpcStatus(o.status());
  }
  bool header_pending = true;
  absl::StatusOr<v1::Snapshot> snapshot = ReceiveSnapshot(
      context, [&](v1::UploadSnapshotRequest* out) {
        if (header_pending) {
          header_pending = false;
          *out->mutable_header() = header.graph();
          return true;
        }
        if (!stream->Read(&message)) return false;
        switch (message.part_case()) {
          case v1::EmbedRequest::kHeader:
            // Let the assembler report the repeated header.
            *out->mutable_header() = message.header().graph();
            break;
          case v1::EmbedRequest::kNodes:
            out->mutable_nodes()->Swap(message.mutable_nodes());
            break;
          case v1::EmbedRequest::kEdges:
            out->mutable_edges()->Swap(message.mutable_edges());
            break;
          default:
            out->Clear();
        }
        return true;
      });
  if (!snapshot.ok()) return ToGrpcStatus(snapshot.status());
  const std::string snapshot_id = snapshot->snapshot_id();
  auto cleanup_snapshot = [&] { snapshots_.Delete(snapshot_id).IgnoreError(); };
  auto entry = snapshots_.Get(snapshot_id);
  if (!entry.ok()) return ToGrpcStatus(entry.status());
  auto job = jobs_.Start(snapshot_id, entry->graph, header.params(), "embed");
  cleanup_snapshot();  // the job keeps the graph alive
  if (!job.ok()) return ToGrpcStatus(job.status());
  const std::string job_id = job->job_id();
  v1::JobProgress progress;
  while (true) {
    auto p = jobs_.WaitUntilDone(job_id, absl::Milliseconds(100));
    if (!p.ok()) return ToGrpcStatus(p.status());
    progress = *p;
    if (Done(progress.state())) break;
    if (context->IsCancelled() || shutting_down_) {
      jobs_.Cancel(job_id).IgnoreError();
    }
  }
  grpc::Status status;
  if (progress.state() == v1::JOB_STATE_SUCCEEDED) {
    status = StreamEmbeddings(
        context, job_id, 0, header.chunk_rows(), /*context_vectors=*/false,
        [&](const v1::EmbeddingChunk& chunk) { return stream->Write(chunk); });
  } else if (progress.state() == v1::JOB_STATE_CANCELLED) {
    status = grpc::Status(grpc::StatusCode::CANCELLED, "embedding cancelled");
  } else {
    auto code = jobs_.FailureCode(job_id);
    status = grpc::Status(static_cast<grpc::StatusCode>(
                              code.ok() ? *code : absl::StatusCode::kInternal),
                          progress.error());
  }
  jobs_.Delete(job_id).IgnoreError();
  return status;
}

}  // namespace n2v::sidecar
