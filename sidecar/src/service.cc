// N2vService: every RPC is Gated, then forwarded to its handler.
#include "service.h"

#include "grpc_status.h"

namespace n2v::sidecar {

N2vService::N2vService(ServiceOptions options)
    : gate_(options.tokens), handlers_(options) {}

N2vService::~N2vService() { handlers_.Shutdown(absl::ZeroDuration()); }

template <typename Handler>
grpc::Status N2vService::Gated(Context* context, Handler handler) {
  absl::StatusOr<Caller> caller = gate_.Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return handler(*caller);
}

// Each RPC: the gate, then the handler of the same name.
#define N2V_GATED(Rpc, ...)                                      \
  Gated(context, [&](const Caller& caller) {                     \
    return handlers_.Rpc(caller, context, __VA_ARGS__);          \
  })

grpc::Status N2vService::UploadSnapshot(
    Context* context, grpc::ServerReader<v1::UploadSnapshotRequest>* reader,
    v1::Snapshot* response) {
  return N2V_GATED(UploadSnapshot, reader, response);
}

grpc::Status N2vService::GetSnapshot(Context* context,
                                     const v1::GetSnapshotRequest* request,
                                     v1::Snapshot* response) {
  return N2V_GATED(GetSnapshot, request, response);
}

grpc::Status N2vService::ListSnapshots(Context* context,
                                       const v1::ListSnapshotsRequest* request,
                                       v1::ListSnapshotsResponse* response) {
  return N2V_GATED(ListSnapshots, request, response);
}

grpc::Status N2vService::DeleteSnapshot(
    Context* context, const v1::DeleteSnapshotRequest* request,
    v1::DeleteSnapshotResponse* response) {
  return N2V_GATED(DeleteSnapshot, request, response);
}

grpc::Status N2vService::EstimateJob(Context* context,
                                     const v1::EstimateJobRequest* request,
                                     v1::Estimate* response) {
  return N2V_GATED(EstimateJob, request, response);
}

grpc::Status N2vService::StartJob(Context* context,
                                  const v1::StartJobRequest* request,
                                  v1::Job* response) {
  return N2V_GATED(StartJob, request, response);
}

grpc::Status N2vService::WatchJob(Context* context,
                                  const v1::WatchJobRequest* request,
                                  grpc::ServerWriter<v1::JobProgress>* writer) {
  return N2V_GATED(WatchJob, request, writer);
}

grpc::Status N2vService::GetJob(Context* context,
                                const v1::GetJobRequest* request,
                                v1::Job* response) {
  return N2V_GATED(GetJob, request, response);
}

grpc::Status N2vService::ListJobs(Context* context,
                                  const v1::ListJobsRequest* request,
                                  v1::ListJobsResponse* response) {
  return N2V_GATED(ListJobs, request, response);
}

grpc::Status N2vService::CancelJob(Context* context,
                                   const v1::CancelJobRequest* request,
                                   v1::Job* response) {
  return N2V_GATED(CancelJob, request, response);
}

grpc::Status N2vService::DeleteJob(Context* context,
                                   const v1::DeleteJobRequest* request,
                                   v1::DeleteJobResponse* response) {
  return N2V_GATED(DeleteJob, request, response);
}

grpc::Status N2vService::FetchEmbeddings(
    Context* context, const v1::FetchEmbeddingsRequest* request,
    grpc::ServerWriter<v1::EmbeddingChunk>* writer) {
  return N2V_GATED(FetchEmbeddings, request, writer);
}

grpc::Status N2vService::EdgeFeatures(
    Context* context, const v1::EdgeFeaturesRequest* request,
    grpc::ServerWriter<v1::FeatureChunk>* writer) {
  return N2V_GATED(EdgeFeatures, request, writer);
}

grpc::Status N2vService::PairFeatures(
    Context* context,
    grpc::ServerReaderWriter<v1::FeatureChunk, v1::PairFeaturesRequest>*
        stream) {
  return N2V_GATED(PairFeatures, stream);
}

grpc::Status N2vService::Embed(
    Context* context,
    grpc::ServerReaderWriter<v1::EmbeddingChunk, v1::EmbedRequest>* stream) {
  return N2V_GATED(Embed, stream);
}

#undef N2V_GATED

}  // namespace n2v::sidecar
