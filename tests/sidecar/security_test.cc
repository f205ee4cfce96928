// Who may call: bearer tokens on every n2v.v1 RPC (health checks exempt),
// TLS and mutual TLS with certificates made by openssl for the test, and
// the server's refusal of bad TLS or listen options.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

#include <cstdlib>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace n2v::sidecar {
namespace {

using testing::Describe;

// One call of each n2v.v1 RPC with empty requests; returns its status.
struct RpcCase {
  std::string name;
  std::function<grpc::Status(v1::N2v::Stub&, grpc::ClientContext*)> call;
};

std::vector<RpcCase> EveryRpc() {
  return {
      {"UploadSnapshot",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         v1::Snapshot r;
         auto w = s.UploadSnapshot(c, &r);
         w->WritesDone();
         return w->Finish();
       }},
      {"GetSnapshot",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         v1::Snapshot r;
         return s.GetSnapshot(c, {}, &r);
       }},
      {"ListSnapshots",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         v1::ListSnapshotsResponse r;
         return s.ListSnapshots(c, {}, &r);
       }},
      {"DeleteSnapshot",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         v1::DeleteSnapshotResponse r;
         return s.DeleteSnapshot(c, {}, &r);
       }},
      {"EstimateJob",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         v1::Estimate r;
         return s.EstimateJob(c, {}, &r);
       }},
      {"StartJob",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         v1::Job r;
         return s.StartJob(c, {}, &r);
       }},
      {"WatchJob",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         auto reader = s.WatchJob(c, {});
         v1::JobProgress m;
         while (reader->Read(&m)) {
         }
         return reader->Finish();
       }},
      {"GetJob",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         v1::Job r;
         return s.GetJob(c, {}, &r);
       }},
      {"ListJobs",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         v1::ListJobsResponse r;
         return s.ListJobs(c, {}, &r);
       }},
      {"CancelJob",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         v1::Job r;
         return s.CancelJob(c, {}, &r);
       }},
      {"DeleteJob",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         v1::DeleteJobResponse r;
         return s.DeleteJob(c, {}, &r);
       }},
      {"FetchEmbeddings",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         auto reader = s.FetchEmbeddings(c, {});
         v1::EmbeddingChunk m;
         while (reader->Read(&m)) {
         }
         return reader->Finish();
       }},
      {"EdgeFeatures",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         auto reader = s.EdgeFeatures(c, {});
         v1::FeatureChunk m;
         while (reader->Read(&m)) {
         }
         return reader->Finish();
       }},
      {"PairFeatures",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         auto stream = s.PairFeatures(c);
         stream->WritesDone();
         v1::FeatureChunk m;
         while (stream->Read(&m)) {
         }
         return stream->Finish();
       }},
      {"Embed",
       [](v1::N2v::Stub& s, grpc::ClientContext* c) {
         auto stream = s.Embed(c);
         stream->WritesDone();
         v1::EmbeddingChunk m;
         while (stream->Read(&m)) {
         }
         return stream->Finish();
       }},
  };
}

// grpc.health.v1.Health/Check for the whole server, without generated
// stubs: the empty request serializes to no bytes, and the response's field
// 1 is the status (1 = SERVING). Returns the status value, or -1.
int HealthCheck(int port, grpc::Status* status) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + testing::kHangGuard));
  grpc::Slice empty(std::string{});
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check",
                                    request, &cq);
  call->StartCall();
  call->Finish(&response, status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  if (!cq.Next(&tag, &ok) || !ok || !status->ok()) return -1;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const auto& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  // Field 1, varint: tag byte 0x08, then a one-byte value. An absent field
  // is the default 0 (UNKNOWN).
  if (bytes.empty()) return 0;
  if (bytes.size() != 2 || bytes[0] != 0x08) return -1;
  return bytes[1];
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options = testing::SmallServerOptions();
    options.service.tokens = TokenSet::FromTokens({"s3cret", "other-token"});
    server_ = testing::StartServer(options);
    ASSERT_NE(server_, nullptr);
    stub_ = testing::Connect(server_->port());
  }
  std::unique_ptr<SidecarServer> server_;
  std::unique_ptr<v1::N2v::Stub> stub_;
};

TEST_F(AuthTest, EveryRpcNeedsAValidToken) {
  struct TokenCase {
    std::string name;
    std::optional<std::string> authorization;
    std::string message;
  };
  const std::vector<TokenCase> tokens = {
      {"no token", std::nullopt,
       "missing bearer token: send metadata 'authorization: Bearer <token>'"},
      {"wrong token", "Bearer nope", "invalid bearer token"},
      {"wrong scheme", "Basic s3cret", "invalid bearer token"},
      {"empty token", "Bearer ", "invalid bearer token"},
  };
  for (const TokenCase& t : tokens) {
    for (const RpcCase& rpc : EveryRpc()) {
      SCOPED_TRACE(t.name + ", " + rpc.name);
      grpc::ClientContext context;
      if (t.authorization)
        context.AddMetadata("authorization", *t.authorization);
      const grpc::Status status = rpc.call(*stub_, &context);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << Describe(status);
      EXPECT_EQ(status.error_message(), t.message);
    }
  }
}

// Calls `method` (a full name, "/n2v.v1.N2v/GetJob") without generated
// code: one empty message (every request type's defaults), then the end of
// the client's stream, which any of the four call kinds accepts. Returns
// the call's status.
grpc::Status CallByName(int port, const std::string& method,
                        const std::optional<std::string>& authorization) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
  if (authorization) context.AddMetadata("authorization", *authorization);
  grpc::CompletionQueue cq;
  auto step = [&cq](auto&& start) {
    start(reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    return cq.Next(&tag, &ok) && ok;
  };
  auto call = stub.PrepareCall(&context, method, &cq);
  step([&](void* tag) { call->StartCall(tag); });
  grpc::Slice empty(std::string{});
  const grpc::ByteBuffer request(&empty, 1);
  // Either may fail once the server has answered; the status tells why.
  step([&](void* tag) { call->Write(request, tag); });
  step([&](void* tag) { call->WritesDone(tag); });
  grpc::ByteBuffer response;
  while (step([&](void* tag) { call->Read(&response, tag); })) {
  }
  grpc::Status status;
  step([&](void* tag) { call->Finish(&status, tag); });
  return status;
}

// The gate is structural: every method the n2v.v1.N2v service describes,
// including any added later, refuses a call without a valid token, and a
// valid token gets past it.
TEST_F(AuthTest, EveryMethodOfTheServiceDescriptorIsGated) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "n2v.v1.N2v");
  ASSERT_NE(service, nullptr);
  std::set<std::string> listed;
  for (const RpcCase& rpc : EveryRpc()) listed.insert(rpc.name);
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string name = service->method(i)->name();
    SCOPED_TRACE(name);
    EXPECT_TRUE(listed.contains(name)) << "EveryRpc() misses " << name;
    const std::string method = "/n2v.v1.N2v/" + name;
    for (const std::optional<std::string>& token :
         {std::optional<std::string>(), std::optional<std::string>("Bearer nope")}) {
      const grpc::Status status = CallByName(server_->port(), method, token);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << Describe(status);
    }
    const grpc::Status admitted =
        CallByName(server_->port(), method, "Bearer s3cret");
    EXPECT_NE(admitted.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << Describe(admitted);
    EXPECT_NE(admitted.error_code(), grpc::StatusCode::UNIMPLEMENTED)
        << Describe(admitted);
  }
  EXPECT_EQ(service->method_count(), 15);
}

TEST_F(AuthTest, RightTokenWorks) {
  for (const std::string& token : {"s3cret", "other-token"}) {
    SCOPED_TRACE(token);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::ListSnapshotsResponse list;
    const grpc::Status status = stub_->ListSnapshots(&context, {}, &list);
    EXPECT_TRUE(status.ok()) << Describe(status);
  }
  // A streaming call too.
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer s3cret");
  v1::Snapshot snapshot;
  auto writer = stub_->UploadSnapshot(&context, &snapshot);
  for (const auto& m : testing::UploadMessages(testing::Header(false, false),
                                               testing::Ring(4))) {
    ASSERT_TRUE(writer->Write(m));
  }
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(snapshot.nodes(), 4u);
}

TEST_F(AuthTest, HealthCheckNeedsNoToken) {
  grpc::Status status;
  EXPECT_EQ(HealthCheck(server_->port(), &status), 1) << Describe(status);
  EXPECT_TRUE(status.ok()) << Describe(status);
}

// ---------------------------------------------------------------- TLS

// Certificates for one test: a CA, a server certificate for 127.0.0.1 and
// localhost, a client certificate signed by the CA, and a rogue CA with a
// client certificate of its own.
class Certificates {
 public:
  Certificates() {
    const std::string key =
        "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string script = absl::StrCat(
        "cd '", dir_.path(), "' && (", "openssl req -x509 ", key,
        " -keyout ca.key -out ca.pem -days 2 ", "-subj /CN=n2v-test-ca && ",
        "openssl req -x509 ", key, " -keyout rogue-ca.key -out rogue-ca.pem ",
        "-days 2 -subj /CN=n2v-rogue-ca && ",
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n",
        "extendedKeyUsage=serverAuth\\n' > server.ext && ",
        "printf 'extendedKeyUsage=clientAuth\\n' > client.ext && ",
        Leaf("server", "localhost", "ca", "server.ext", 1), " && ",
        Leaf("client", "n2v-client", "ca", "client.ext", 2), " && ",
        Leaf("rogue", "n2v-client", "rogue-ca", "client.ext", 3),
        ") > openssl.log 2>&1");
    ok_ = std::system(script.c_str()) == 0;
    if (!ok_) log_ = testing::ReadFile(dir_.File("openssl.log"));
  }

  bool ok() const { return ok_; }
  const std::string& log() const { return log_; }
  std::string File(const std::string& name) const { return dir_.File(name); }
  std::string Pem(const std::string& name) const {
    return testing::ReadFile(dir_.File(name));
  }

 private:
  static std::string Leaf(const std::string& name, const std::string& cn,
                          const std::string& ca, const std::string& ext,
                          int serial) {
    return absl::StrCat(
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ",
        "-keyout ", name, ".key -out ", name, ".csr -subj /CN=", cn, " && ",
        "openssl x509 -req -in ", name, ".csr -CA ", ca, ".pem -CAkey ", ca,
        ".key -set_serial ", serial, " -days 2 -extfile ", ext, " -out ", name,
        ".pem");
  }

  testing::ScratchDir dir_;
  bool ok_ = false;
  std::string log_;
};

bool HaveOpenssl() {
  return std::system("openssl version > /dev/null 2>&1") == 0;
}

std::shared_ptr<grpc::ChannelCredentials> TlsClient(
    const Certificates& certs, const std::string& ca,
    const std::string& client = "") {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = certs.Pem(ca + ".pem");
  if (!client.empty()) {
    ssl.pem_private_key = certs.Pem(client + ".key");
    ssl.pem_cert_chain = certs.Pem(client + ".pem");
  }
  return grpc::SslCredentials(ssl);
}

grpc::Status ListSnapshots(v1::N2v::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + testing::kHangGuard));
  v1::ListSnapshotsResponse list;
  return stub.ListSnapshots(&context, {}, &list);
}

TEST(TlsTest, TlsAndMutualTls) {
  if (!HaveOpenssl()) GTEST_SKIP() << "openssl is not on PATH";
  const Certificates certs;
  ASSERT_TRUE(certs.ok()) << certs.log();

  ServerOptions options = testing::SmallServerOptions();
  options.tls_cert_file = certs.File("server.pem");
  options.tls_key_file = certs.File("server.key");
  {
    SCOPED_TRACE("TLS");
    std::unique_ptr<SidecarServer> server = testing::StartServer(options);
    ASSERT_NE(server, nullptr);
    const int port = server->port();
    grpc::Status status =
        ListSnapshots(*testing::Connect(port, TlsClient(certs, "ca")));
    EXPECT_TRUE(status.ok()) << Describe(status);
    // A client with a client certificate is fine too.
    status = ListSnapshots(
        *testing::Connect(port, TlsClient(certs, "ca", "client")));
    EXPECT_TRUE(status.ok()) << Describe(status);
    status = ListSnapshots(*testing::Connect(port));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << Describe(status);
    // The server's certificate is not trusted by a client of the rogue CA.
    status =
        ListSnapshots(*testing::Connect(port, TlsClient(certs, "rogue-ca")));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << Describe(status);
  }
  options.tls_client_ca_file = certs.File("ca.pem");
  {
    SCOPED_TRACE("mutual TLS");
    std::unique_ptr<SidecarServer> server = testing::StartServer(options);
    ASSERT_NE(server, nullptr);
    const int port = server->port();
    grpc::Status status = ListSnapshots(
        *testing::Connect(port, TlsClient(certs, "ca", "client")));
    EXPECT_TRUE(status.ok()) << Describe(status);
    status = ListSnapshots(*testing::Connect(port, TlsClient(certs, "ca")));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << "no client certificate: " << Describe(status);
    status =
        ListSnapshots(*testing::Connect(port, TlsClient(certs, "ca", "rogue")));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << "rogue client certificate: " << Describe(status);
    status = ListSnapshots(*testing::Connect(port));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << "plaintext: " << Describe(status);
  }
}

TEST(ServerStartTest, BadOptionsAreRefused) {
  struct Case {
    std::string name;
    std::function<void(ServerOptions&)> change;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"cert without key", [](auto& o) { o.tls_cert_file = "cert.pem"; },
       absl::StatusCode::kInvalidArgument,
       "--tls-cert and --tls-key must be given together"},
      {"key without cert", [](auto& o) { o.tls_key_file = "key.pem"; },
       absl::StatusCode::kInvalidArgument,
       "--tls-cert and --tls-key must be given together"},
      {"client CA without TLS",
       [](auto& o) { o.tls_client_ca_file = "ca.pem"; },
       absl::StatusCode::kInvalidArgument,
       "--tls-client-ca needs --tls-cert and --tls-key"},
      {"unreadable cert",
       [](auto& o) {
         o.tls_cert_file = "no/such/cert.pem";
         o.tls_key_file = "no/such/key.pem";
       },
       absl::StatusCode::kInvalidArgument,
       "--tls-cert: cannot read 'no/such/cert.pem'"},
      {"not host:port", [](auto& o) { o.listen = "not an address"; },
       absl::StatusCode::kUnavailable,
       "cannot listen on 'not an address' (address in use, or not host:port?)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ServerOptions options = testing::SmallServerOptions();
    c.change(options);
    absl::StatusOr<std::unique_ptr<SidecarServer>> server =
        SidecarServer::Start(options);
    ASSERT_FALSE(server.ok());
    EXPECT_EQ(server.status().code(), c.code);
    EXPECT_EQ(std::string(server.status().message()), c.message);
  }
}

TEST(ServerStartTest, APortInUseIsRefusedNotShared) {
  absl::StatusOr<std::unique_ptr<SidecarServer>> first =
      SidecarServer::Start(testing::SmallServerOptions());
  ASSERT_TRUE(first.ok()) << first.status();
  ServerOptions options = testing::SmallServerOptions();
  options.listen = absl::StrCat("127.0.0.1:", (*first)->port());
  absl::StatusOr<std::unique_ptr<SidecarServer>> second = SidecarServer::Start(options);
  ASSERT_FALSE(second.ok()) << "a second server shares port " << (*first)->port();
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(second.status().message()),
            absl::StrCat("cannot listen on '", options.listen,
                         "' (address in use, or not host:port?)"));
}

}  // namespace
}  // namespace n2v::sidecar
