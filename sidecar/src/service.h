// N2vService: the n2v.v1.N2v gRPC service as registered with the server.
// Every RPC passes the AuthGate and only then reaches its handler (the
// handlers take the Caller the gate makes); nothing else happens here.
//
// Thread safety: as N2vHandlers.
#ifndef N2V_SIDECAR_SERVICE_H_
#define N2V_SIDECAR_SERVICE_H_

#include "absl/time/time.h"
#include "auth.h"
#include "handlers.h"
#include "n2v/v1/n2v.grpc.pb.h"

namespace n2v::sidecar {

class N2vService final : public v1::N2v::Service {
 public:
  explicit N2vService(ServiceOptions options);
  ~N2vService() override;

  void StopStreams() { handlers_.StopStreams(); }
  void Shutdown(absl::Duration grace) { handlers_.Shutdown(grace); }
  void DropExpired() { handlers_.DropExpired(); }
  const MemoryBudget& budget() const { return handlers_.budget(); }

  using Context = grpc::ServerContext;
  using Status = grpc::Status;

  Status UploadSnapshot(Context* context,
                        grpc::ServerReader<v1::UploadSnapshotRequest>* reader,
                        v1::Snapshot* response) override;
  Status GetSnapshot(Context* context, const v1::GetSnapshotRequest* request,
                     v1::Snapshot* response) override;
  Status ListSnapshots(Context* context,
                       const v1::ListSnapshotsRequest* request,
                       v1::ListSnapshotsResponse* response) override;
  Status DeleteSnapshot(Context* context,
                        const v1::DeleteSnapshotRequest* request,
                        v1::DeleteSnapshotResponse* response) override;
  Status EstimateJob(Context* context, const v1::EstimateJobRequest* request,
                     v1::Estimate* response) override;
  Status StartJob(Context* context, const v1::StartJobRequest* request,
                  v1::Job* response) override;
  Status WatchJob(Context* context, const v1::WatchJobRequest* request,
                  grpc::ServerWriter<v1::JobProgress>* writer) override;
  Status GetJob(Context* context, const v1::GetJobRequest* request,
                v1::Job* response) override;
  Status ListJobs(Context* context, const v1::ListJobsRequest* request,
                  v1::ListJobsResponse* response) override;
  Status CancelJob(Context* context, const v1::CancelJobRequest* request,
                   v1::Job* response) override;
  Status DeleteJob(Context* context, const v1::DeleteJobRequest* request,
                   v1::DeleteJobResponse* response) override;
  Status FetchEmbeddings(Context* context,
                         const v1::FetchEmbeddingsRequest* request,
                         grpc::ServerWriter<v1::EmbeddingChunk>* writer) override;
  Status EdgeFeatures(Context* context, const v1::EdgeFeaturesRequest* request,
                      grpc::ServerWriter<v1::FeatureChunk>* writer) override;
  Status PairFeatures(
      Context* context,
      grpc::ServerReaderWriter<v1::FeatureChunk, v1::PairFeaturesRequest>*
          stream) override;
  Status Embed(Context* context,
               grpc::ServerReaderWriter<v1::EmbeddingChunk, v1::EmbedRequest>*
                   stream) override;

 private:
  // Admits the call and runs handler(caller), or returns the gate's refusal.
  template <typename Handler>
  Status Gated(Context* context, Handler handler);

  AuthGate gate_;
  N2vHandlers handlers_;
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_SERVICE_H_
