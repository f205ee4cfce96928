// Helpers shared by the sidecar tests: in-process servers and stubs, upload
// and fetch calls, small graphs, scratch directories and child processes.
#ifndef N2V_TESTS_SIDECAR_TEST_UTIL_H_
#define N2V_TESTS_SIDECAR_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "n2v/embeddings.h"
#include "n2v/graph.h"
#include "n2v/v1/n2v.grpc.pb.h"
#include "server.h"

namespace n2v::sidecar::testing {

// Datasets, relative to the repository root (the tests' working directory).
inline constexpr char kKarate[] = "../shared/datasets/karate/karate.edgelist";
inline constexpr char kLesmis[] = "../shared/datasets/lesmis/lesmis.edges.csv";

// How long a test waits for something that must happen (a port file, an
// exit, a log line, a state): only against a hang, never a measure of speed.
// Tests assert the order of events, not how long they took.
inline constexpr absl::Duration kHangGuard = absl::Minutes(2);

// "CODE: message", for failure output.
std::string Describe(const grpc::Status& status);

// A fresh directory under the GoogleTest temp dir, removed on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);

// ------------------------------------------------------------------ graphs

// Reads an edge list with the engine's reader (fails the test on error).
EdgeList ReadDataset(const std::string& path, bool weighted);

// `edges` random distinct-ish edges among nodes 0..nodes-1 (no self-loops),
// each node on at least one edge, from a fixed seed.
EdgeList RandomGraph(uint32_t nodes, uint32_t edges, uint64_t seed);

// A ring of `nodes` nodes with ids offset by `base`.
EdgeList Ring(uint32_t nodes, int64_t base = 0);

// ------------------------------------------------------------- in-process

// Options with small budgets for in-process servers.
ServerOptions SmallServerOptions();

// Starts a server or fails the test (returns null). Server logs show only
// errors unless the environment sets N2V_TEST_LOGS.
std::unique_ptr<SidecarServer> StartServer(ServerOptions options);

std::unique_ptr<v1::N2v::Stub> Connect(
    int port, std::shared_ptr<grpc::ChannelCredentials> credentials =
                  grpc::InsecureChannelCredentials());

// A stub whose every call carries `metadata` (e.g. a bearer token and the
// n2v-user a trusted token acts for).
std::unique_ptr<v1::N2v::Stub> ConnectWithMetadata(
    int port, std::vector<std::pair<std::string, std::string>> metadata);

// A server and a stub on it, for the common case.
struct TestServer {
  explicit TestServer(ServerOptions options = SmallServerOptions());
  std::unique_ptr<SidecarServer> server;
  std::unique_ptr<v1::N2v::Stub> stub;
};

// The messages of an upload: the header, one node chunk when the edge list
// has nodes, then edge chunks of at most `chunk_edges` edges.
std::vector<v1::UploadSnapshotRequest> UploadMessages(
    const v1::SnapshotHeader& header, const EdgeList& edges,
    size_t chunk_edges = 1000);

// Streams `messages` (ignoring a refused write, as a client would until
// Finish) and returns the call's status.
grpc::Status Upload(v1::N2v::Stub& stub,
                    const std::vector<v1::UploadSnapshotRequest>& messages,
                    v1::Snapshot* snapshot);

v1::SnapshotHeader Header(bool directed, bool weighted,
                          const std::string& name = "test");

// Uploads or fails the test; returns the snapshot.
v1::Snapshot UploadOrDie(v1::N2v::Stub& stub, const EdgeList& edges,
                         bool directed = false, bool weighted = false);

// Small, fast, deterministic parameters.
v1::Node2VecParams SmallParams(uint32_t dimensions = 8);

// Parameters of a job that trains for hours on one thread on any machine
// (for a graph of a few thousand nodes): still running whenever a test
// cancels it, stops it or looks at it.
v1::Node2VecParams LongJobParams();

// Starts a job or fails the test.
v1::Job StartJobOrDie(v1::N2v::Stub& stub, const std::string& snapshot_id,
                      const v1::Node2VecParams& params);

// Follows a job with WatchJob until its stream ends; returns every message.
std::vector<v1::JobProgress> Watch(v1::N2v::Stub& stub,
                                   const std::string& job_id,
                                   uint32_t interval_ms = 20);

// Watches the job to its end and expects SUCCEEDED.
void WaitSucceeded(v1::N2v::Stub& stub, const std::string& job_id);

// A job's vectors as the client received them.
struct Fetched {
  grpc::Status status;
  uint32_t dimensions = 0;
  uint64_t total_rows = 0;
  std::vector<int64_t> ids;
  std::string vectors;  // ids.size() x dimensions float32
  std::vector<v1::EmbeddingChunk> chunks;
};

// FetchEmbeddings from `offset`; stops early (cancelling the call) after
// `max_chunks` chunks when given.
Fetched Fetch(v1::N2v::Stub& stub, const std::string& job_id,
              uint64_t offset = 0, uint32_t chunk_rows = 0,
              std::optional<size_t> max_chunks = std::nullopt);
// FetchEmbeddings with context = true: the job's kept context vectors.
Fetched FetchContext(v1::N2v::Stub& stub, const std::string& job_id);
// Adds one received chunk to `out`.
void AppendChunk(const v1::EmbeddingChunk& chunk, Fetched& out);

// Embeddings built from fetched rows (fails the test on error).
Embeddings ToEmbeddings(const Fetched& fetched);

// Polls `condition` every 10 ms until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout = kHangGuard);

// Whether the server's budget use comes to `bytes` (within kHangGuard). A
// worker thread lets go of a finished job a moment after its final state is
// visible, so what a deleted job held is freed just after DeleteJob returns.
bool BudgetSettlesAt(SidecarServer& server, uint64_t bytes);

// ---------------------------------------------------------- child processes

// A child process started with posix_spawn; killed (SIGKILL) and reaped on
// destruction if still running.
class ChildProcess {
 public:
  // Starts argv[0] with stdout and stderr going to the given files (or
  // /dev/null when empty). Fails the test and returns null on error.
  static std::unique_ptr<ChildProcess> Start(
      const std::vector<std::string>& argv, const std::string& stdout_path,
      const std::string& stderr_path);
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running();
  void Signal(int signal);
  // The raw wait status once the process ended within `timeout`.
  std::optional<int> Wait(absl::Duration timeout);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  std::optional<int> status_;
};

// The real n2v-sidecar binary listening on 127.0.0.1:0.
struct SidecarProcess {
  // Starts it with `flags` (plus --listen and --port-file) and waits for its
  // port; fails the test and leaves `process` null on error.
  SidecarProcess(const ScratchDir& dir, const std::vector<std::string>& flags);
  std::unique_ptr<ChildProcess> process;
  int port = 0;
  std::string stderr_path;
  std::unique_ptr<v1::N2v::Stub> stub;
};

}  // namespace n2v::sidecar::testing

#endif  // N2V_TESTS_SIDECAR_TEST_UTIL_H_
