// Helpers shared by the sidecar tests.
#include "test_util.h"

#include <grpcpp/support/client_interceptor.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "log.h"
#include "n2v/io/edge_list_reader.h"

extern char** environ;

namespace n2v::sidecar::testing {

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(status.error_code(), ": ", status.error_message());
}

ScratchDir::ScratchDir() {
  std::string pattern = ::testing::TempDir() + "n2v_sidecar_test_XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr) << std::strerror(errno);
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

EdgeList ReadDataset(const std::string& path, bool weighted) {
  absl::StatusOr<EdgeList> edges =
      io::ReadEdgeList(path, {.weighted = weighted, .num_threads = 1});
  EXPECT_TRUE(edges.ok()) << edges.status();
  return edges.ok() ? *std::move(edges) : EdgeList{};
}

EdgeList RandomGraph(uint32_t nodes, uint32_t edges, uint64_t seed) {
  std::mt19937_64 rng(seed);
  EdgeList out;
  for (uint32_t i = 0; i < edges; ++i) {
    int64_t u, v;
    if (i < nodes) {  // a ring first, so every node has an edge
      u = i;
      v = (i + 1) % nodes;
    } else {
      u = static_cast<int64_t>(rng() % nodes);
      do {
        v = static_cast<int64_t>(rng() % nodes);
      } while (v == u);
    }
    out.sources.push_back(u);
    out.targets.push_back(v);
  }
  return out;
}

EdgeList Ring(uint32_t nodes, int64_t base) {
  EdgeList out;
  for (uint32_t i = 0; i < nodes; ++i) {
    out.sources.push_back(base + i);
    out.targets.push_back(base + (i + 1) % nodes);
  }
  return out;
}

ServerOptions SmallServerOptions() {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.service.memory_budget_bytes = uint64_t{256} << 20;
  options.service.max_jobs = 2;
  options.grace = absl::Seconds(1);
  return options;
}

std::unique_ptr<SidecarServer> StartServer(ServerOptions options) {
  // The tests provoke many warnings on purpose.
  SetLogLevel(std::getenv("N2V_TEST_LOGS") != nullptr ? LogLevel::kDebug
                                                      : LogLevel::kError);
  absl::StatusOr<std::unique_ptr<SidecarServer>> server =
      SidecarServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::unique_ptr<v1::N2v::Stub> Connect(
    int port, std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return v1::N2v::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", port), credentials, args));
}

namespace {

// Adds fixed metadata to every call of a channel.
class MetadataInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit MetadataInterceptor(
      const std::vector<std::pair<std::string, std::string>>* metadata)
      : metadata_(metadata) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      auto* sent = methods->GetSendInitialMetadata();
      for (const auto& [key, value] : *metadata_) sent->insert({key, value});
    }
    methods->Proceed();
  }

 private:
  const std::vector<std::pair<std::string, std::string>>* metadata_;
};

class MetadataInterceptorFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit MetadataInterceptorFactory(
      std::vector<std::pair<std::string, std::string>> metadata)
      : metadata_(std::move(metadata)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new MetadataInterceptor(&metadata_);
  }

 private:
  const std::vector<std::pair<std::string, std::string>> metadata_;
};

}  // namespace

std::unique_ptr<v1::N2v::Stub> ConnectWithMetadata(
    int port, std::vector<std::pair<std::string, std::string>> metadata) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      factories;
  factories.push_back(
      std::make_unique<MetadataInterceptorFactory>(std::move(metadata)));
  return v1::N2v::NewStub(grpc::experimental::CreateCustomChannelWithInterceptors(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(), args,
      std::move(factories)));
}

TestServer::TestServer(ServerOptions options)
    : server(StartServer(std::move(options))) {
  if (server != nullptr) stub = Connect(server->port());
}

std::vector<v1::UploadSnapshotRequest> UploadMessages(
    const v1::SnapshotHeader& header, const EdgeList& edges,
    size_t chunk_edges) {
  std::vector<v1::UploadSnapshotRequest> messages(1);
  *messages[0].mutable_header() = header;
  if (!edges.nodes.empty()) {
    messages.emplace_back().mutable_nodes()->mutable_ids()->Assign(
        edges.nodes.begin(), edges.nodes.end());
  }
  for (size_t begin = 0; begin < edges.sources.size(); begin += chunk_edges) {
    const size_t end = std::min(edges.sources.size(), begin + chunk_edges);
    v1::EdgeChunk* chunk = messages.emplace_back().mutable_edges();
    chunk->mutable_source()->Assign(edges.sources.begin() + begin,
                                    edges.sources.begin() + end);
    chunk->mutable_target()->Assign(edges.targets.begin() + begin,
                                    edges.targets.begin() + end);
    if (!edges.weights.empty()) {
      chunk->mutable_weight()->Assign(edges.weights.begin() + begin,
                                      edges.weights.begin() + end);
    }
  }
  return messages;
}

grpc::Status Upload(v1::N2v::Stub& stub,
                    const std::vector<v1::UploadSnapshotRequest>& messages,
                    v1::Snapshot* snapshot) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientWriter<v1::UploadSnapshotRequest>> writer =
      stub.UploadSnapshot(&context, snapshot);
  for (const auto& message : messages) {
    if (!writer->Write(message)) break;  // the server has answered
  }
  writer->WritesDone();
  return writer->Finish();
}

v1::SnapshotHeader Header(bool directed, bool weighted,
                          const std::string& name) {
  v1::SnapshotHeader header;
  header.set_name(name);
  header.set_directed(directed);
  header.set_weighted(weighted);
  return header;
}

v1::Snapshot UploadOrDie(v1::N2v::Stub& stub, const EdgeList& edges,
                         bool directed, bool weighted) {
  v1::Snapshot snapshot;
  const grpc::Status status = Upload(
      stub, UploadMessages(Header(directed, weighted), edges), &snapshot);
  EXPECT_TRUE(status.ok()) << Describe(status);
  return snapshot;
}

v1::Node2VecParams SmallParams(uint32_t dimensions) {
  v1::Node2VecParams params;
  params.set_walk_length(10);
  params.set_walks_per_node(2);
  params.set_window_size(3);
  params.set_embedding_dimension(dimensions);
  params.set_random_seed(42);
  params.set_deterministic(true);
  params.set_concurrency(2);
  return params;
}

v1::Node2VecParams LongJobParams() {
  v1::Node2VecParams params = SmallParams(16);
  params.set_walks_per_node(50);
  params.set_walk_length(200);
  params.set_window_size(10);
  params.set_iterations(1000);
  params.set_concurrency(1);
  params.set_deterministic(false);
  return params;
}

v1::Job StartJobOrDie(v1::N2v::Stub& stub, const std::string& snapshot_id,
                      const v1::Node2VecParams& params) {
  grpc::ClientContext context;
  v1::StartJobRequest request;
  request.set_snapshot_id(snapshot_id);
  *request.mutable_params() = params;
  request.set_label("test");
  v1::Job job;
  const grpc::Status status = stub.StartJob(&context, request, &job);
  EXPECT_TRUE(status.ok()) << Describe(status);
  return job;
}

std::vector<v1::JobProgress> Watch(v1::N2v::Stub& stub,
                                   const std::string& job_id,
                                   uint32_t interval_ms) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kHangGuard));
  v1::WatchJobRequest request;
  request.set_job_id(job_id);
  request.set_interval_ms(interval_ms);
  auto reader = stub.WatchJob(&context, request);
  std::vector<v1::JobProgress> messages;
  v1::JobProgress progress;
  while (reader->Read(&progress)) messages.push_back(progress);
  const grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << Describe(status);
  return messages;
}

void WaitSucceeded(v1::N2v::Stub& stub, const std::string& job_id) {
  const std::vector<v1::JobProgress> messages = Watch(stub, job_id);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back().state(), v1::JOB_STATE_SUCCEEDED)
      << messages.back().DebugString();
}

void AppendChunk(const v1::EmbeddingChunk& chunk, Fetched& out) {
  out.dimensions = chunk.dimensions();
  out.total_rows = chunk.total_rows();
  out.ids.insert(out.ids.end(), chunk.node_ids().begin(), chunk.node_ids().end());
  out.vectors += chunk.vectors();
  out.chunks.push_back(chunk);
}

namespace {

Fetched FetchWith(v1::N2v::Stub& stub, const v1::FetchEmbeddingsRequest& request,
                  std::optional<size_t> max_chunks) {
  grpc::ClientContext context;
  auto reader = stub.FetchEmbeddings(&context, request);
  Fetched out;
  v1::EmbeddingChunk chunk;
  while (reader->Read(&chunk)) {
    AppendChunk(chunk, out);
    if (max_chunks && out.chunks.size() == *max_chunks) {
      context.TryCancel();
      while (reader->Read(&chunk)) {
      }
      break;
    }
  }
  out.status = reader->Finish();
  return out;
}

}  // namespace

Fetched Fetch(v1::N2v::Stub& stub, const std::string& job_id, uint64_t offset,
              uint32_t chunk_rows, std::optional<size_t> max_chunks) {
  v1::FetchEmbeddingsRequest request;
  request.set_job_id(job_id);
  request.set_offset(offset);
  request.set_chunk_rows(chunk_rows);
  return FetchWith(stub, request, max_chunks);
}

Fetched FetchContext(v1::N2v::Stub& stub, const std::string& job_id) {
  v1::FetchEmbeddingsRequest request;
  request.set_job_id(job_id);
  request.set_context(true);
  return FetchWith(stub, request, std::nullopt);
}

Embeddings ToEmbeddings(const Fetched& fetched) {
  std::vector<float> values(fetched.vectors.size() / sizeof(float));
  std::memcpy(values.data(), fetched.vectors.data(), fetched.vectors.size());
  absl::StatusOr<Embeddings> e =
      Embeddings::FromRows(fetched.ids, fetched.dimensions, values);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *std::move(e) : Embeddings();
}

bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (condition()) return true;
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

bool BudgetSettlesAt(SidecarServer& server, uint64_t bytes) {
  return Eventually([&] { return server.service().budget().used() == bytes; });
}

std::unique_ptr<ChildProcess> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::string& stdout_path,
    const std::string& stderr_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(
      &actions, 1, stdout_path.empty() ? "/dev/null" : stdout_path.c_str(),
      O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(
      &actions, 2, stderr_path.empty() ? "/dev/null" : stderr_path.c_str(),
      O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int error =
      posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(error, 0) << argv[0] << ": " << std::strerror(error);
  if (error != 0) return nullptr;
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid));
}

ChildProcess::~ChildProcess() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    Wait(absl::Seconds(10));
  }
}

bool ChildProcess::running() { return !Wait(absl::ZeroDuration()).has_value(); }

void ChildProcess::Signal(int signal) {
  if (!status_) ::kill(pid_, signal);
}

std::optional<int> ChildProcess::Wait(absl::Duration timeout) {
  if (status_) return status_;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = status;
      return status_;
    }
    if (r < 0 || absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

SidecarProcess::SidecarProcess(const ScratchDir& dir,
                               const std::vector<std::string>& flags) {
  const std::string port_file = dir.File("port");
  stderr_path = dir.File("sidecar.stderr");
  std::vector<std::string> argv = {N2V_SIDECAR_BIN, "--listen", "127.0.0.1:0",
                                   "--port-file", port_file};
  argv.insert(argv.end(), flags.begin(), flags.end());
  process = ChildProcess::Start(argv, "", stderr_path);
  if (process == nullptr) return;
  const bool listening = Eventually(
      [&] { return std::filesystem::exists(port_file) || !process->running(); });
  if (!listening || !process->running() ||
      !absl::SimpleAtoi(ReadFile(port_file), &port)) {
    ADD_FAILURE() << "n2v-sidecar did not start; stderr:\n"
                  << ReadFile(stderr_path);
    process.reset();
    return;
  }
  stub = Connect(port);
}

}  // namespace n2v::sidecar::testing
