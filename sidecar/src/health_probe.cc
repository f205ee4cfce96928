// n2v-health-probe: one grpc.health.v1.Health/Check call, for Docker
// HEALTHCHECK and Kubernetes exec probes.
//
//   n2v-health-probe [--address 127.0.0.1:50051] [--service n2v.v1.N2v]
//                    [--timeout 2s] [--tls] [--tls-ca FILE]
//                    [--tls-cert FILE --tls-key FILE] [--tls-server-name NAME]
//                    [--token-file FILE]
//
// Prints one line and exits 0 when the service is SERVING, 1 in every other
// case (not serving, unknown service, unreachable, timeout, bad usage):
// Docker reserves exit status 2 for its own use, so the probe never uses it.
//
// The call goes through grpc::GenericStub with hand-serialized messages, so
// the probe needs no generated health stubs: HealthCheckRequest is field 1,
// string service; HealthCheckResponse is field 1, enum status (varint),
// 1 = SERVING, 2 = NOT_SERVING, absent = UNKNOWN.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"

namespace {

constexpr char kUsage[] =
    "usage: n2v-health-probe [--address 127.0.0.1:50051] "
    "[--service n2v.v1.N2v] [--timeout 2s]\n"
    "                        [--tls] [--tls-ca FILE] "
    "[--tls-cert FILE --tls-key FILE]\n"
    "                        [--tls-server-name NAME] [--token-file FILE]\n"
    "Calls grpc.health.v1.Health/Check; exits 0 when SERVING, else 1.\n"
    "  --address          host:port of n2v-sidecar (default 127.0.0.1:50051)\n"
    "  --service          service to check; \"\" = the whole server\n"
    "                     (default n2v.v1.N2v)\n"
    "  --timeout          deadline of the call, e.g. 2s, 500ms (default 2s)\n"
    "  --tls              use TLS, trusting the system's CA certificates\n"
    "  --tls-ca           use TLS, trusting this PEM CA bundle\n"
    "  --tls-cert/-key    PEM client certificate and key (mutual TLS)\n"
    "  --tls-server-name  name to expect in the server's certificate\n"
    "  --token-file       send 'authorization: Bearer <first token in FILE>'\n";

struct Options {
  std::string address = "127.0.0.1:50051";
  std::string service = "n2v.v1.N2v";
  absl::Duration timeout = absl::Seconds(2);
  bool tls = false;
  std::string tls_ca, tls_cert, tls_key, tls_server_name, token_file;
};

// Every outcome is one line on stdout; the exit status is 0 only for SERVING.
int Finish(bool serving, const std::string& line) {
  std::printf("n2v-health-probe: %s\n", line.c_str());
  std::fflush(stdout);
  return serving ? 0 : 1;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "2s", "500ms", "1m", or a bare number of seconds.
std::optional<absl::Duration> ParseTimeout(const std::string& text) {
  absl::Duration d;
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    d = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &d)) {
    return std::nullopt;
  }
  if (d <= absl::ZeroDuration()) return std::nullopt;
  return d;
}

// Parses argv; on error returns the message.
std::optional<std::string> ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> value;
    if (const size_t eq = arg.find('='); arg.rfind("--", 0) == 0 &&
                                         eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    if (arg == "--tls") {
      if (value) return "--tls takes no value";
      o.tls = true;
      continue;
    }
    std::string* target = nullptr;
    if (arg == "--address") target = &o.address;
    else if (arg == "--service") target = &o.service;
    else if (arg == "--tls-ca") target = &o.tls_ca;
    else if (arg == "--tls-cert") target = &o.tls_cert;
    else if (arg == "--tls-key") target = &o.tls_key;
    else if (arg == "--tls-server-name") target = &o.tls_server_name;
    else if (arg == "--token-file") target = &o.token_file;
    else if (arg != "--timeout") return "unknown argument '" + arg + "'";
    if (!value) {
      if (i + 1 >= argc) return arg + " needs a value";
      value = argv[++i];
    }
    if (target != nullptr) {
      *target = *value;
    } else {
      auto timeout = ParseTimeout(*value);
      if (!timeout) return "--timeout: bad duration '" + *value + "'";
      o.timeout = *timeout;
    }
  }
  if (o.address.empty()) return "--address must not be empty";
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return "--tls-cert and --tls-key must be given together";
  }
  return std::nullopt;
}

// Builds the channel credentials; on error returns the message.
std::optional<std::string> Credentials(
    const Options& o, std::shared_ptr<grpc::ChannelCredentials>* out) {
  if (!o.tls && o.tls_ca.empty() && o.tls_cert.empty() &&
      o.tls_server_name.empty()) {
    *out = grpc::InsecureChannelCredentials();
    return std::nullopt;
  }
  grpc::SslCredentialsOptions ssl;
  const std::pair<const std::string*, std::string*> files[] = {
      {&o.tls_ca, &ssl.pem_root_certs},
      {&o.tls_cert, &ssl.pem_cert_chain},
      {&o.tls_key, &ssl.pem_private_key}};
  for (const auto& [path, pem] : files) {
    if (path->empty()) continue;
    auto text = ReadFile(*path);
    if (!text) return "cannot read '" + *path + "'";
    *pem = *text;
  }
  *out = grpc::SslCredentials(ssl);
  return std::nullopt;
}

// The first token of a token file: its first line that is neither blank
// nor a '#' comment, as n2v-sidecar --token-file reads it.
std::optional<std::string> FirstToken(const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    return line.substr(begin, line.find_last_not_of(" \t\r") + 1 - begin);
  }
  return std::nullopt;
}

void AppendVarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

bool ReadVarint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// HealthCheckResponse.status (field 1, varint); 0 (UNKNOWN) when absent,
// nullopt when the bytes are not a well-formed message.
std::optional<uint64_t> ParseStatus(std::string_view in) {
  uint64_t status = 0;
  while (!in.empty()) {
    uint64_t key = 0, value = 0;
    if (!ReadVarint(in, key)) return std::nullopt;
    switch (key & 7) {
      case 0:  // varint
        if (!ReadVarint(in, value)) return std::nullopt;
        if ((key >> 3) == 1) status = value;
        break;
      case 1:  // 64-bit
      case 5:  // 32-bit
        if (in.size() < ((key & 7) == 1 ? 8u : 4u)) return std::nullopt;
        in.remove_prefix((key & 7) == 1 ? 8 : 4);
        break;
      case 2:  // length-delimited
        if (!ReadVarint(in, value) || value > in.size()) return std::nullopt;
        in.remove_prefix(value);
        break;
      default:
        return std::nullopt;
    }
  }
  return status;
}

const char* StatusName(uint64_t status) {
  switch (status) {
    case 0: return "UNKNOWN";
    case 1: return "SERVING";
    case 2: return "NOT_SERVING";
    case 3: return "SERVICE_UNKNOWN";
    default: return "unrecognised status";
  }
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "gRPC error";
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  Options o;
  if (auto error = ParseArgs(argc, argv, o)) {
    return Finish(false, "error: " + *error + " (--help for usage)");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (auto error = Credentials(o, &credentials)) {
    return Finish(false, "error: " + *error);
  }
  std::string token;
  if (!o.token_file.empty()) {
    auto text = ReadFile(o.token_file);
    if (!text) return Finish(false, "error: cannot read '" + o.token_file + "'");
    auto first = FirstToken(*text);
    if (!first) return Finish(false, "error: no token in '" + o.token_file + "'");
    token = *first;
  }

  grpc::ChannelArguments args;
  if (!o.tls_server_name.empty()) args.SetSslTargetNameOverride(o.tls_server_name);
  grpc::GenericStub stub(grpc::CreateCustomChannel(o.address, credentials, args));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(o.timeout));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);

  std::string request_bytes;
  if (!o.service.empty()) {  // proto3: an empty string is not serialized
    request_bytes.push_back(0x0a);  // field 1, length-delimited
    AppendVarint(o.service.size(), request_bytes);
    request_bytes += o.service;
  }
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check",
                                    request, &cq);
  call->StartCall();
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  const bool got = cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }

  const std::string what =
      o.address + " service \"" + o.service + "\": ";
  if (!got) return Finish(false, what + "call did not complete");
  if (!status.ok()) {
    return Finish(false, what + CodeName(status.error_code()) + ": " +
                             status.error_message());
  }
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  const std::optional<uint64_t> serving = ParseStatus(bytes);
  if (!serving) return Finish(false, what + "malformed HealthCheckResponse");
  return Finish(*serving == 1, what + StatusName(*serving));
}
