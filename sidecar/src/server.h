// SidecarServer: the n2v-sidecar process minus its command line: the n2v.v1
// service, standard gRPC health checking and server reflection, TLS or
// mutual TLS, the retention reaper, and graceful shutdown. Kept apart from
// main() so tests start servers in-process.
#ifndef N2V_SIDECAR_SERVER_H_
#define N2V_SIDECAR_SERVER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service.h"

namespace n2v::sidecar {

struct ServerOptions {
  // host:port; port 0 picks a free port (see SidecarServer::port()).
  std::string listen = "127.0.0.1:50051";
  ServiceOptions service;
  // PEM files. With cert and key the port speaks TLS; with a client CA too,
  // clients must present a certificate signed by it (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // How long running jobs may take to finish on shutdown before they are
  // cancelled.
  absl::Duration grace = absl::Seconds(30);
};

class SidecarServer {
 public:
  // Binds and starts serving. InvalidArgument for unreadable TLS files,
  // Unavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<SidecarServer>> Start(
      ServerOptions options);
  ~SidecarServer();

  int port() const { return port_; }
  N2vService& service() { return *service_; }

  // Stops accepting calls, gives running jobs the grace period, cancels the
  // rest, ends open streams. Idempotent; safe from any thread.
  void Shutdown();
  // Blocks until Shutdown has completed.
  void Wait();

 private:
  SidecarServer() = default;
  void ReapLoop();

  ServerOptions options_;
  std::unique_ptr<N2vService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread reaper_;
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_SERVER_H_
