// The job RPCs, Embed (upload, train and stream in one call), and the
// handlers' lifecycle (construction, retention, shutdown).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc_status.h"
#include "handlers.h"
#include "job_plan.h"
#include "log.h"
#include "n2v/memory_model.h"
#include "n2v/status_macros.h"

namespace n2v::sidecar {
namespace {

constexpr absl::Duration kDefaultWatchInterval = absl::Milliseconds(500);
constexpr size_t kMaxTrackingIdBytes = 256;
// A conservative walk-node rate before any job has run.
constexpr double kFirstGuessNodesPerSecond = 1e6;

grpc::Status Invalid(auto&&... parts) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat(parts...));
}

// The graph an estimate is for: an uploaded snapshot, or one described by
// its size (then its own build peak is reported too).
struct EstimateSubject {
  GraphShape shape;
  std::shared_ptr<const GraphHolder> snapshot;  // null for a size
  uint64_t graph_bytes = 0;
};

// Walk nodes a job trains on, per epoch (an upper bound on directed graphs).
uint64_t WalkNodesPerEpoch(const JobPlan& plan, uint64_t nodes) {
  return nodes * plan.options.walks_per_node * plan.options.walk.walk_length;
}

using EmbedStream =
    grpc::ServerReaderWriter<v1::EmbeddingChunk, v1::EmbedRequest>;

// Reads the rest of an Embed stream as an upload: the header's graph part
// first, then the node and edge chunks as they come.
class EmbedUploadReader {
 public:
  EmbedUploadReader(EmbedStream* stream, const v1::SnapshotHeader& graph)
      : stream_(stream), graph_(graph) {}

  bool operator()(v1::UploadSnapshotRequest* out) {
    if (header_pending_) {
      header_pending_ = false;
      *out->mutable_header() = graph_;
      return true;
    }
    if (!stream_->Read(&message_)) return false;
    switch (message_.part_case()) {
      case v1::EmbedRequest::kHeader:
        // Let the assembler report the repeated header.
        *out->mutable_header() = message_.header().graph();
        break;
      case v1::EmbedRequest::kNodes:
        out->mutable_nodes()->Swap(message_.mutable_nodes());
        break;
      case v1::EmbedRequest::kEdges:
        out->mutable_edges()->Swap(message_.mutable_edges());
        break;
      default:
        out->Clear();
    }
    return true;
  }

 private:
  EmbedStream* stream_;
  const v1::SnapshotHeader& graph_;
  bool header_pending_ = true;
  v1::EmbedRequest message_;
};

}  // namespace

N2vHandlers::N2vHandlers(const ServiceOptions& options)
    : options_(options),
      budget_(options_.memory_budget_bytes),
      jobs_(&budget_, options_.max_jobs, options_.ranks) {}

void N2vHandlers::Shutdown(absl::Duration grace) {
  shutting_down_ = true;
  jobs_.Shutdown(grace);
}

void N2vHandlers::DropExpired() {
  const absl::Time cutoff = absl::Now() - options_.retention;
  for (const std::string& id : jobs_.DropFinishedBefore(cutoff)) {
    Log(LogLevel::kInfo, "job_expired", {{"job_id", id}});
  }
  for (const std::string& id : snapshots_.DropUnusedSince(cutoff)) {
    Log(LogLevel::kInfo, "snapshot_expired", {{"snapshot_id", id}});
  }
}

grpc::Status N2vHandlers::EstimateJob(const Caller& caller, Context*,
                                      const v1::EstimateJobRequest* request,
                                      v1::Estimate* response) {
  EstimateSubject subject;
  if (!request->snapshot_id().empty() || !request->graph_name().empty()) {
    auto entry = snapshots_.Get(
        caller, {request->snapshot_id(), request->graph_name()});
    if (!entry.ok()) return ToGrpcStatus(entry.status());
    subject.snapshot = entry->graph;
    subject.shape = ShapeOf(*subject.snapshot);
  } else {
    if (request->nodes() == 0) {
      return Invalid("estimate needs snapshot_id, or nodes (> 0) and edges");
    }
    subject.shape = {.nodes = request->nodes(),
                     .arcs = request->directed() ? request->edges()
                                                 : 2 * request->edges(),
                     .weighted = request->weighted()};
    subject.graph_bytes =
        EstimateGraphMemory(request->nodes(), request->edges(),
                            request->directed(), request->weighted())
            .build_peak;
  }
  absl::StatusOr<JobPlan> plan = PlanJob(
      request->params(), subject.shape,
      subject.snapshot ? PreviousOf(*subject.snapshot) : PreviousEmbedding{},
      options_.ranks.usable(), options_.ranks.walks_per_wave);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  *response->mutable_params() = plan->params;
  response->set_graph_bytes(subject.graph_bytes);
  response->set_job_bytes(plan->leader_bytes());
  response->set_result_bytes(plan->memory.result);
  response->set_free_bytes(budget_.available());
  response->set_budget_bytes(budget_.limit());
  response->set_ranks(plan->ranks);
  response->set_memory_per_rank_bytes(plan->memory_per_rank);
  response->set_fits(subject.graph_bytes + plan->leader_bytes() <= budget_.available() &&
                     FitsOtherRanks(*plan, options_.ranks.rank_memory_budget, "").ok());
  const uint64_t walk_nodes = WalkNodesPerEpoch(*plan, subject.shape.nodes);
  response->set_walk_nodes(walk_nodes * plan->options.epochs);
  double rate = jobs_.MeasuredNodesPerSecond();
  if (rate <= 0) rate = kFirstGuessNodesPerSecond;
  // The epochs, and the counting pass (about a tenth of one).
  response->set_estimated_seconds(walk_nodes * (plan->options.epochs + 0.1) /
                                  rate);
  return grpc::Status::OK;
}

absl::Status N2vHandlers::StoreNodeProperty(
    const Caller& caller, const std::string& graph_name,
    const std::string& property, std::shared_ptr<const Embeddings> vectors) {
  // The rows; the id index is the graph's.
  const uint64_t bytes = uint64_t{vectors->size()} * vectors->stride() * sizeof(float);
  N2V_ASSIGN_OR_RETURN(
      Reservation memory,
      budget_.Reserve(bytes, absl::StrCat("node property '", property,
                                          "' of graph '", graph_name, "'")));
  return snapshots_.SetProperty(
      caller, graph_name, property,
      {std::move(vectors), std::make_shared<Reservation>(std::move(memory))});
}

grpc::Status N2vHandlers::StartJob(const Caller& caller, Context*,
                                   const v1::StartJobRequest* request,
                                   v1::Job* response) {
  if (!request->mutate_property().empty() && request->graph_name().empty()) {
    return Invalid("mutate_property needs graph_name: node properties are "
                   "stored on named graphs");
  }
  if (request->tracking_id().size() > kMaxTrackingIdBytes) {
    return Invalid("tracking_id must be at most ", kMaxTrackingIdBytes,
                   " bytes, got ", request->tracking_id().size());
  }
  auto entry =
      snapshots_.Get(caller, {request->snapshot_id(), request->graph_name()});
  if (!entry.ok()) return ToGrpcStatus(entry.status());
  JobRequest job_request{.snapshot_id = entry->info.snapshot_id(),
                         .graph = entry->graph,
                         .params = request->params(),
                         .label = request->label(),
                         .tracking_id = request->tracking_id(),
                         .graph_name = request->graph_name(),
                         .mutate_property = request->mutate_property()};
  if (!request->mutate_property().empty()) {
    job_request.on_success = [this, caller, graph = request->graph_name(),
                              property = request->mutate_property()](
                                 std::shared_ptr<const Embeddings> vectors) {
      return StoreNodeProperty(caller, graph, property, std::move(vectors));
    };
  }
  auto job = jobs_.Start(caller, std::move(job_request));
  if (!job.ok()) return ToGrpcStatus(job.status());
  *response = *job;
  return grpc::Status::OK;
}

grpc::Status N2vHandlers::WatchJob(const Caller& caller, Context* context,
                                   const v1::WatchJobRequest* request,
                                   grpc::ServerWriter<v1::JobProgress>* writer) {
  const absl::Duration interval =
      request->interval_ms() == 0
          ? kDefaultWatchInterval
          : absl::Milliseconds(std::clamp<uint32_t>(request->interval_ms(), 20,
                                                    60000));
  absl::Duration wait = absl::ZeroDuration();
  while (true) {
    auto progress = jobs_.WaitUntilDone(caller, request->job_id(), wait);
    if (!progress.ok()) return ToGrpcStatus(progress.status());
    if (!writer->Write(*progress) || IsFinal(progress->state())) break;
    if (context->IsCancelled()) break;
    if (shutting_down_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the server is shutting down");
    }
    wait = interval;
  }
  return grpc::Status::OK;
}

grpc::Status N2vHandlers::GetJob(const Caller& caller, Context*,
                                 const v1::GetJobRequest* request,
                                 v1::Job* response) {
  auto job = jobs_.Get(caller, request->job_id());
  if (!job.ok()) return ToGrpcStatus(job.status());
  *response = *job;
  return grpc::Status::OK;
}

grpc::Status N2vHandlers::ListJobs(const Caller& caller, Context*,
                                   const v1::ListJobsRequest* request,
                                   v1::ListJobsResponse* response) {
  for (auto& job : jobs_.List(caller, request->tracking_id())) {
    *response->add_jobs() = std::move(job);
  }
  return grpc::Status::OK;
}

grpc::Status N2vHandlers::CancelJob(const Caller& caller, Context*,
                                    const v1::CancelJobRequest* request,
                                    v1::Job* response) {
  auto job = jobs_.Cancel(caller, request->job_id());
  if (!job.ok()) return ToGrpcStatus(job.status());
  Log(LogLevel::kInfo, "job_cancel_requested", {{"job_id", request->job_id()}});
  *response = *job;
  return grpc::Status::OK;
}

grpc::Status N2vHandlers::DeleteJob(const Caller& caller, Context*,
                                    const v1::DeleteJobRequest* request,
                                    v1::DeleteJobResponse*) {
  absl::Status status = jobs_.Delete(caller, request->job_id());
  if (status.ok()) {
    Log(LogLevel::kInfo, "job_deleted", {{"job_id", request->job_id()}});
  }
  return ToGrpcStatus(status);
}

absl::StatusOr<v1::JobProgress> N2vHandlers::FollowToEnd(
    const Caller& caller, Context* context, const std::string& job_id) {
  while (true) {
    N2V_ASSIGN_OR_RETURN(
        v1::JobProgress progress,
        jobs_.WaitUntilDone(caller, job_id, absl::Milliseconds(100)));
    if (IsFinal(progress.state())) return progress;
    if (context->IsCancelled() || shutting_down_) {
      jobs_.Cancel(caller, job_id).IgnoreError();
    }
  }
}

grpc::Status N2vHandlers::Embed(const Caller& caller, Context* context,
                                EmbedStream* stream) {
  v1::EmbedRequest first;
  if (!stream->Read(&first) || !first.has_header()) {
    return Invalid("header missing: the first message of Embed must be the "
                   "header");
  }
  const v1::EmbedHeader header = first.header();
  // Bad parameters are refused before the graph is received.
  if (absl::StatusOr<JobPlan> plan =
          PlanJob(header.params(), GraphShape{}, PreviousEmbedding{});
      !plan.ok()) {
    return ToGrpcStatus(plan.status());
  }
  EmbedUploadReader reader(stream, header.graph());
  absl::StatusOr<v1::Snapshot> snapshot = ReceiveSnapshot(
      caller, context,
      [&](v1::UploadSnapshotRequest* out) { return reader(out); });
  if (!snapshot.ok()) return ToGrpcStatus(snapshot.status());
  const SnapshotRef ref{.id = snapshot->snapshot_id()};
  auto entry = snapshots_.Get(caller, ref);
  if (!entry.ok()) return ToGrpcStatus(entry.status());
  auto job = jobs_.Start(caller, {.snapshot_id = ref.id,
                                  .graph = entry->graph,
                                  .params = header.params(),
                                  .label = "embed"});
  // The job keeps the graph alive.
  snapshots_.Delete(caller, ref).IgnoreError();
  if (!job.ok()) return ToGrpcStatus(job.status());
  const grpc::Status status = StreamOutcome(caller, context, job->job_id(),
                                            header.chunk_rows(), stream);
  jobs_.Delete(caller, job->job_id()).IgnoreError();
  return status;
}

grpc::Status N2vHandlers::StreamOutcome(const Caller& caller, Context* context,
                                        const std::string& job_id,
                                        uint32_t chunk_rows,
                                        EmbedStream* stream) {
  absl::StatusOr<v1::JobProgress> progress = FollowToEnd(caller, context, job_id);
  if (!progress.ok()) return ToGrpcStatus(progress.status());
  switch (progress->state()) {
    case v1::JOB_STATE_SUCCEEDED: {
      auto source = ResolveVectors(caller, job_id, "", "", VectorKind::kEmbeddings);
      if (!source.ok()) return ToGrpcStatus(source.status());
      return StreamVectors(
          context, *source, 0, chunk_rows,
          [&](const v1::EmbeddingChunk& chunk) { return stream->Write(chunk); });
    }
    case v1::JOB_STATE_CANCELLED:
      return grpc::Status(grpc::StatusCode::CANCELLED, "embedding cancelled");
    default: {
      auto code = jobs_.FailureCode(caller, job_id);
      return grpc::Status(static_cast<grpc::StatusCode>(
                              code.ok() ? *code : absl::StatusCode::kInternal),
                          progress->error());
    }
  }
}

}  // namespace n2v::sidecar
