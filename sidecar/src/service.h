// N2vService: the n2v.v1.N2v gRPC service, translating between protobuf
// and the engine. Owns the snapshot store and the job manager.
//
// Thread safety: handlers run concurrently on gRPC's threads; all shared
// state is in the thread-safe store and manager.
#ifndef N2V_SIDECAR_SERVICE_H_
#define N2V_SIDECAR_SERVICE_H_

#include <atomic>
#include <memory>

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
};

class N2vService final : public v1::N2v::Service {
 public:
  explicit N2vService(ServiceOptions options);
  ~N2vService() override;

  // Makes open WatchJob streams end and new work be refused.
  void StopStreams() { shutting_down_ = true; }
  // Stops streams and jobs: running jobs get `grace` to finish, then are
  // cancelled.
  void Shutdown(absl::Duration grace);
  // Drops what outlived the retention time (called periodically).
  void DropExpired();

  const MemoryBudget& budget() const { return budget_; }

  grpc::Status UploadSnapshot(grpc::ServerContext* context,
                              grpc::ServerReader<v1::UploadSnapshotRequest>* reader,
                              v1::Snapshot* response) override;
  grpc::Status GetSnapshot(grpc::ServerContext* context,
                           const v1::GetSnapshotRequest* request,
                           v1::Snapshot* response) override;
  grpc::Status ListSnapshots(grpc::ServerContext* context,
                             const v1::ListSnapshotsRequest* request,
                             v1::ListSnapshotsResponse* response) override;
  grpc::Status DeleteSnapshot(grpc::ServerContext* context,
                              const v1::DeleteSnapshotRequest* request,
                              v1::DeleteSnapshotResponse* response) override;
  grpc::Status EstimateJob(grpc::ServerContext* context,
                           const v1::EstimateJobRequest* request,
                           v1::Estimate* response) override;
  grpc::Status StartJob(grpc::ServerContext* context,
                        const v1::StartJobRequest* request,
                        v1::Job* response) override;
  grpc::Status WatchJob(grpc::ServerContext* context,
                        const v1::WatchJobRequest* request,
                        grpc::ServerWriter<v1::JobProgress>* writer) override;
  grpc::Status GetJob(grpc::ServerContext* context,
                      const v1::GetJobRequest* request,
                      v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context,
                        const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status CancelJob(grpc::ServerContext* context,
                         const v1::CancelJobRequest* request,
                         v1::Job* response) override;
  grpc::Status DeleteJob(grpc::ServerContext* context,
                         const v1::DeleteJobRequest* request,
                         v1::DeleteJobResponse* response) override;
  grpc::Status FetchEmbeddings(
      grpc::ServerContext* context, const v1::FetchEmbeddingsRequest* request,
      grpc::ServerWriter<v1::EmbeddingChunk>* writer) override;
  grpc::Status EdgeFeatures(grpc::ServerContext* context,
                            const v1::EdgeFeaturesRequest* request,
                            grpc::ServerWriter<v1::FeatureChunk>* writer) override;
  grpc::Status PairFeatures(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::FeatureChunk, v1::PairFeaturesRequest>* stream)
      override;
  grpc::Status Embed(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::EmbeddingChunk, v1::EmbedRequest>* stream)
      override;

 private:
  grpc::Status Authorize(grpc::ServerContext* context) const;
  // Receives an upload (header already consumed or not) into a stored
  // snapshot; shared by UploadSnapshot and Embed.
  template <typename NextMessage>
  absl::StatusOr<v1::Snapshot> ReceiveSnapshot(grpc::ServerContext* context,
                                               NextMessage next);
  grpc::Status StreamEmbeddings(grpc::ServerContext* context,
                                const std::string& job_id, uint64_t offset,
                                uint32_t chunk_rows, bool context_vectors,
                                auto write);

  const ServiceOptions options_;
  MemoryBudget budget_;
  SnapshotStore snapshots_;
  JobManager jobs_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_SERVICE_H_
