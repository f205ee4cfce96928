// Converts engine statuses to gRPC statuses (the canonical codes share
// their numbering).
#ifndef N2V_SIDECAR_GRPC_STATUS_H_
#define N2V_SIDECAR_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace n2v::sidecar {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_GRPC_STATUS_H_
