// N2vHandlers: what each n2v.v1 RPC does, translating between protobuf and
// the engine. Owns the memory budget, the snapshot store and the job
// manager.
//
// Not a gRPC service: N2vService (service.h) registers the RPCs and hands
// each call here only through the AuthGate, which is the only maker of the
// Caller every handler takes.
//
// Thread safety: handlers run concurrently on gRPC's threads; all shared
// state is in the thread-safe budget, store and manager.
#ifndef N2V_SIDECAR_HANDLERS_H_
#define N2V_SIDECAR_HANDLERS_H_

#include <atomic>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/sync_stream.h>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "auth.h"
#include "job_manager.h"
#include "memory_budget.h"
#include "n2v/v1/n2v.grpc.pb.h"
#include "snapshot_store.h"

namespace n2v::sidecar {

struct ServiceOptions {
  uint64_t memory_budget_bytes = uint64_t{4} << 30;
  int max_jobs = 2;
  // Snapshots unused and results finished longer ago are dropped.
  absl::Duration retention = absl::Hours(1);
  TokenSet tokens;
  // Set when the sidecar runs under mpirun on several ranks.
  RankRunner ranks;
};

// Vectors to stream or take features of, and the graph they belong to.
struct VectorSource {
  std::shared_ptr<const Embeddings> vectors;
  std::shared_ptr<const GraphHolder> graph;
  std::string description;  // "job 'job-1'" or "graph 'g' property 'p'"
};

class N2vHandlers {
 public:
  explicit N2vHandlers(const ServiceOptions& options);

  // Makes open WatchJob streams end and new work be refused.
  void StopStreams() { shutting_down_ = true; }
  // Running jobs get `grace` to finish, then are cancelled.
  void Shutdown(absl::Duration grace);
  // Drops what outlived the retention time.
  void DropExpired();
  const MemoryBudget& budget() const { return budget_; }

  using Context = grpc::ServerContext;
  using Status = grpc::Status;

  // Snapshots (snapshot_handlers.cc).
  Status UploadSnapshot(const Caller& caller, Context* context,
                        grpc::ServerReader<v1::UploadSnapshotRequest>* reader,
                        v1::Snapshot* response);
  Status GetSnapshot(const Caller& caller, Context* context,
                     const v1::GetSnapshotRequest* request,
                     v1::Snapshot* response);
  Status ListSnapshots(const Caller& caller, Context* context,
                       const v1::ListSnapshotsRequest* request,
                       v1::ListSnapshotsResponse* response);
  Status DeleteSnapshot(const Caller& caller, Context* context,
                        const v1::DeleteSnapshotRequest* request,
                        v1::DeleteSnapshotResponse* response);

  // Jobs (job_handlers.cc).
  Status EstimateJob(const Caller& caller, Context* context,
                     const v1::EstimateJobRequest* request,
                     v1::Estimate* response);
  Status StartJob(const Caller& caller, Context* context,
                  const v1::StartJobRequest* request, v1::Job* response);
  Status WatchJob(const Caller& caller, Context* context,
                  const v1::WatchJobRequest* request,
                  grpc::ServerWriter<v1::JobProgress>* writer);
  Status GetJob(const Caller& caller, Context* context,
                const v1::GetJobRequest* request, v1::Job* response);
  Status ListJobs(const Caller& caller, Context* context,
                  const v1::ListJobsRequest* request,
                  v1::ListJobsResponse* response);
  Status CancelJob(const Caller& caller, Context* context,
                   const v1::CancelJobRequest* request, v1::Job* response);
  Status DeleteJob(const Caller& caller, Context* context,
                   const v1::DeleteJobRequest* request,
                   v1::DeleteJobResponse* response);
  using EmbedStream =
      grpc::ServerReaderWriter<v1::EmbeddingChunk, v1::EmbedRequest>;
  Status Embed(const Caller& caller, Context* context, EmbedStream* stream);

  // Results (result_handlers.cc).
  Status FetchEmbeddings(const Caller& caller, Context* context,
                         const v1::FetchEmbeddingsRequest* request,
                         grpc::ServerWriter<v1::EmbeddingChunk>* writer);
  Status EdgeFeatures(const Caller& caller, Context* context,
                      const v1::EdgeFeaturesRequest* request,
                      grpc::ServerWriter<v1::FeatureChunk>* writer);
  Status PairFeatures(
      const Caller& caller, Context* context,
      grpc::ServerReaderWriter<v1::FeatureChunk, v1::PairFeaturesRequest>*
          stream);

 private:
  // Receives an upload into a stored snapshot; shared by UploadSnapshot and
  // Embed. `next` fills the next upload message and returns false at the
  // end of the stream.
  using NextUpload = absl::FunctionRef<bool(v1::UploadSnapshotRequest*)>;
  absl::StatusOr<v1::Snapshot> ReceiveSnapshot(const Caller& caller,
                                               Context* context,
                                               NextUpload next);
  // Streams a finished job's vectors from row `offset` through `write`,
  // which returns false when the client went away.
  using WriteChunk = absl::FunctionRef<bool(const v1::EmbeddingChunk&)>;
  Status StreamVectors(Context* context, const VectorSource& source,
                       uint64_t offset, uint32_t chunk_rows, WriteChunk write);
  // The vectors a request names: a job's (`kind`), or a node property of
  // the caller's named graph; with the graph they belong to.
  absl::StatusOr<VectorSource> ResolveVectors(const Caller& caller,
                                              const std::string& job_id,
                                              const std::string& graph_name,
                                              const std::string& node_property,
                                              VectorKind kind);
  // Stores a job's vectors on a named graph as `property`, charged.
  absl::Status StoreNodeProperty(const Caller& caller,
                                 const std::string& graph_name,
                                 const std::string& property,
                                 std::shared_ptr<const Embeddings> vectors);
  // Waits for a job to end, cancelling it if the call goes away.
  absl::StatusOr<v1::JobProgress> FollowToEnd(const Caller& caller,
                                              Context* context,
                                              const std::string& job_id);
  // Embed's answer: the vectors once the job succeeded, or why it did not.
  Status StreamOutcome(const Caller& caller, Context* context,
                       const std::string& job_id, uint32_t chunk_rows,
                       EmbedStream* stream);

  const ServiceOptions options_;
  MemoryBudget budget_;
  SnapshotStore snapshots_;
  JobManager jobs_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_HANDLERS_H_
