// SidecarServer implementation.
#include "server.h"

#include <fstream>
#include <sstream>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "log.h"

namespace n2v::sidecar {
namespace {

constexpr int kMaxReceiveBytes = 64 << 20;

absl::StatusOr<std::string> ReadPem(const std::string& flag,
                                    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read '", path, "'"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const ServerOptions& o) {
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) {
    if (!o.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls-client-ca needs --tls-cert and --tls-key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key must be given together");
  }
  auto cert = ReadPem("tls-cert", o.tls_cert_file);
  if (!cert.ok()) return cert.status();
  auto key = ReadPem("tls-key", o.tls_key_file);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl(
      o.tls_client_ca_file.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!o.tls_client_ca_file.empty()) {
    auto ca = ReadPem("tls-client-ca", o.tls_client_ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
  }
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SidecarServer>> SidecarServer::Start(
    ServerOptions options) {
  auto credentials = Credentials(options);
  if (!credentials.ok()) return credentials.status();
  std::unique_ptr<SidecarServer> server(new SidecarServer());
  server->options_ = options;
  server->service_ = std::make_unique<N2vService>(options.service);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, *credentials, &server->port_);
  // gRPC sets SO_REUSEPORT by default, so a second server on a port in use
  // would start and take half of the first one's connections, with none
  // of its snapshots or jobs. The port is this server's alone.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(server->service_.get());
  builder.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on '", options.listen,
                     "' (address in use, or not host:port?)"));
  }
  // Health for the whole server ("") and for the n2v.v1.N2v service.
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  server->server_->GetHealthCheckService()->SetServingStatus(
      v1::N2v::service_full_name(), true);
  server->reaper_ = std::thread([s = server.get()] { s->ReapLoop(); });
  Log(LogLevel::kInfo, "listening",
      {{"address", options.listen}, {"port", server->port_},
       {"tls", !options.tls_cert_file.empty()},
       {"mutual_tls", !options.tls_client_ca_file.empty()},
       {"tokens", options.service.tokens.enabled()},
       {"memory_budget_bytes", options.service.memory_budget_bytes},
       {"max_jobs", options.service.max_jobs},
       {"retention_seconds",
        absl::ToDoubleSeconds(options.service.retention)}});
  return server;
}

SidecarServer::~SidecarServer() {
  if (server_ == nullptr) return;  // Start failed before serving
  Shutdown();
  Wait();
}

void SidecarServer::ReapLoop() {
  const absl::Duration period = std::clamp(options_.service.retention / 4,
                                           absl::Milliseconds(50),
                                           absl::Seconds(10));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, absl::ToChronoNanoseconds(period));
    if (stopping_) break;
    lock.unlock();
    service_->DropExpired();
    lock.lock();
  }
}

void SidecarServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  Log(LogLevel::kInfo, "shutting_down",
      {{"grace_seconds", absl::ToDoubleSeconds(options_.grace)}});
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->GetHealthCheckService()->SetServingStatus(v1::N2v::service_full_name(),
                                                     false);
  // Watch streams end at once; running jobs get the grace period while the
  // server stops accepting calls and lets in-flight ones complete.
  service_->StopStreams();
  std::thread jobs([this] { service_->Shutdown(options_.grace); });
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoNanoseconds(options_.grace) +
                    std::chrono::seconds(5));
  jobs.join();
  if (reaper_.joinable()) reaper_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  Log(LogLevel::kInfo, "stopped");
}

void SidecarServer::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stopped_; });
}

}  // namespace n2v::sidecar
