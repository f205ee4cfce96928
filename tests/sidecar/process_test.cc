// The real binaries as child processes: a client killed mid-upload, SIGTERM
// with a running job and with an idle queue (exit status, JSON logs),
// vectors bit-identical to `n2v embed`, and server reflection via grpcurl.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace n2v::sidecar {
namespace {

using testing::ChildProcess;
using testing::Describe;
using testing::ScratchDir;
using testing::SidecarProcess;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    lines.emplace_back(line);
  }
  return lines;
}

// The index of the first line of `text` that contains every one of `parts`.
std::optional<size_t> FirstLineWith(const std::string& text,
                                    const std::vector<std::string>& parts) {
  const std::vector<std::string> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    bool all = true;
    for (const std::string& part : parts)
      all = all && absl::StrContains(lines[i], part);
    if (all) return i;
  }
  return std::nullopt;
}

bool AnyLineHas(const std::string& text,
                const std::vector<std::string>& parts) {
  return FirstLineWith(text, parts).has_value();
}

// Every line of the sidecar's stderr is one JSON object with an event.
void ExpectJsonLines(const std::string& text) {
  const std::vector<std::string> lines = Lines(text);
  EXPECT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    EXPECT_TRUE(absl::StartsWith(line, "{\"ts\":\"") &&
                absl::EndsWith(line, "}") &&
                absl::StrContains(line, "\"event\":\""))
        << line;
  }
}

// A client process streams half an upload and is killed with SIGKILL: the
// server drops the upload and goes on serving.
TEST(SidecarProcessTest, ClientKilledMidUpload) {
  ScratchDir dir;
  SidecarProcess sidecar(dir, {"--memory-budget", "256MiB"});
  ASSERT_NE(sidecar.process, nullptr);
  const std::string ready = dir.File("ready");
  std::unique_ptr<ChildProcess> client = ChildProcess::Start(
      {N2V_HALF_UPLOAD_CLIENT_BIN, absl::StrCat("127.0.0.1:", sidecar.port),
       "50", ready},
      "", dir.File("client.stderr"));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(testing::Eventually(
      [&] { return std::filesystem::exists(ready) || !client->running(); }));
  ASSERT_TRUE(client->running())
      << testing::ReadFile(dir.File("client.stderr"));
  absl::SleepFor(absl::Milliseconds(100));
  client->Signal(SIGKILL);
  ASSERT_TRUE(client->Wait(testing::kHangGuard).has_value());

  EXPECT_TRUE(testing::Eventually(
      [&] {
        return AnyLineHas(testing::ReadFile(sidecar.stderr_path),
                          {"\"event\":\"upload_failed\"",
                           "\"error\":\"upload aborted by the client\""});
      }))
      << testing::ReadFile(sidecar.stderr_path);
  {
    grpc::ClientContext context;
    v1::ListSnapshotsResponse list;
    const grpc::Status status =
        sidecar.stub->ListSnapshots(&context, {}, &list);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(list.snapshots_size(), 0);
  }
  const v1::Snapshot snapshot =
      testing::UploadOrDie(*sidecar.stub, testing::Ring(50));
  EXPECT_EQ(snapshot.nodes(), 50u);
  EXPECT_TRUE(sidecar.process->running());
}

// SIGTERM while a job trains: open watches end UNAVAILABLE, the job gets the
// 1 s grace, is cancelled, and the process exits 0. The log has the signal,
// the shutdown, the cancelled job and the stop, in that order.
TEST(SidecarProcessTest, SigtermWithARunningJob) {
  ScratchDir dir;
  SidecarProcess sidecar(dir, {"--grace", "1s", "--max-jobs", "1"});
  ASSERT_NE(sidecar.process, nullptr);
  const v1::Snapshot snapshot =
      testing::UploadOrDie(*sidecar.stub, testing::RandomGraph(3000, 15000, 9));
  const v1::Job job = testing::StartJobOrDie(
      *sidecar.stub, snapshot.snapshot_id(), testing::LongJobParams());

  grpc::ClientContext context;
  v1::WatchJobRequest request;
  request.set_job_id(job.job_id());
  request.set_interval_ms(20);
  auto reader = sidecar.stub->WatchJob(&context, request);
  v1::JobProgress progress;
  bool running = false;
  while (!running && reader->Read(&progress)) {
    running = progress.state() == v1::JOB_STATE_RUNNING;
  }
  ASSERT_TRUE(running) << progress.DebugString();

  const absl::Time signalled = absl::Now();
  sidecar.process->Signal(SIGTERM);
  while (reader->Read(&progress)) {
  }
  const grpc::Status watch = reader->Finish();
  EXPECT_EQ(watch.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(watch);
  EXPECT_EQ(watch.error_message(), "the server is shutting down");

  const std::optional<int> status =
      sidecar.process->Wait(testing::kHangGuard);
  ASSERT_TRUE(status.has_value()) << "still running after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status)) << *status;
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  // A lower bound only: the grace period was given (a slower machine only
  // makes this longer).
  EXPECT_GE(absl::Now() - signalled, absl::Milliseconds(900));

  const std::string log = testing::ReadFile(sidecar.stderr_path);
  ExpectJsonLines(log);
  const std::optional<size_t> signal_line = FirstLineWith(
      log, {"\"event\":\"signal\"", "\"signal\":\"SIGTERM\""});
  const std::optional<size_t> shutdown_line =
      FirstLineWith(log, {"\"event\":\"shutting_down\"", "\"grace_seconds\":1"});
  const std::optional<size_t> cancelled_line = FirstLineWith(
      log, {"\"event\":\"job_finished\"", "\"job_id\":\"" + job.job_id() + "\"",
            "\"outcome\":\"CANCELLED\""});
  const std::optional<size_t> stopped_line =
      FirstLineWith(log, {"\"event\":\"stopped\""});
  ASSERT_TRUE(signal_line && shutdown_line && cancelled_line && stopped_line)
      << log;
  EXPECT_LT(*signal_line, *shutdown_line) << log;
  EXPECT_LT(*shutdown_line, *cancelled_line) << log;
  EXPECT_LT(*cancelled_line, *stopped_line) << log;
}

// With nothing running, SIGTERM or SIGINT ends the process without waiting
// for the grace period: an hour here, so exiting within kHangGuard shows it.
TEST(SidecarProcessTest, IdleServerExitsPromptly) {
  for (const int signal : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(strsignal(signal));
    ScratchDir dir;
    SidecarProcess sidecar(dir, {"--grace", "1h"});
    ASSERT_NE(sidecar.process, nullptr);
    // A finished job is no reason to wait.
    const v1::Snapshot snapshot =
        testing::UploadOrDie(*sidecar.stub, testing::Ring(10));
    const v1::Job job = testing::StartJobOrDie(
        *sidecar.stub, snapshot.snapshot_id(), testing::SmallParams());
    testing::WaitSucceeded(*sidecar.stub, job.job_id());

    // Close the channel first: an idle gRPC C++ 1.51 client answers the
    // server's GOAWAY ping only from its 5 s backup poller, which would hold
    // the server's shutdown that long.
    sidecar.stub.reset();
    sidecar.process->Signal(signal);
    const std::optional<int> status =
        sidecar.process->Wait(testing::kHangGuard);
    const std::string log = testing::ReadFile(sidecar.stderr_path);
    ASSERT_TRUE(status.has_value()) << log;
    EXPECT_TRUE(WIFEXITED(*status)) << *status;
    EXPECT_EQ(WEXITSTATUS(*status), 0);
    ExpectJsonLines(log);
    EXPECT_TRUE(AnyLineHas(
        log, {"\"event\":\"job_finished\"", "\"outcome\":\"SUCCEEDED\""}))
        << log;
  }
}

// The rows of an `n2v embed --format binary` file: "<count> <dims>\n", then
// per node "<id> ", dims little-endian floats and "\n".
struct BinaryEmbeddings {
  std::vector<int64_t> ids;
  std::string vectors;
  uint32_t dimensions = 0;
};

BinaryEmbeddings ParseBinary(const std::string& bytes) {
  BinaryEmbeddings out;
  const size_t header_end = bytes.find('\n');
  EXPECT_NE(header_end, std::string::npos);
  std::vector<std::string> header =
      absl::StrSplit(bytes.substr(0, header_end), ' ');
  uint64_t count = 0;
  EXPECT_EQ(header.size(), 2u);
  EXPECT_TRUE(absl::SimpleAtoi(header[0], &count));
  EXPECT_TRUE(absl::SimpleAtoi(header[1], &out.dimensions));
  const size_t row_bytes = out.dimensions * sizeof(float);
  size_t pos = header_end + 1;
  for (uint64_t r = 0; r < count; ++r) {
    const size_t space = bytes.find(' ', pos);
    int64_t id = 0;
    EXPECT_TRUE(absl::SimpleAtoi(bytes.substr(pos, space - pos), &id));
    out.ids.push_back(id);
    out.vectors += bytes.substr(space + 1, row_bytes);
    pos = space + 1 + row_bytes;
    EXPECT_EQ(bytes[pos], '\n') << "row " << r;
    ++pos;
  }
  EXPECT_EQ(pos, bytes.size());
  return out;
}

struct CliCase {
  std::string name;
  std::string dataset;
  bool weighted;
  std::vector<std::string> flags;
  double p, q;
  size_t nodes;
};

TEST(CliParityTest, SidecarVectorsAreBitIdenticalToTheCli) {
  const std::vector<CliCase> cases = {
      {"karate", testing::kKarate, false, {}, 1.0, 1.0, 34},
      {"lesmis weighted, p=0.5, q=2",
       testing::kLesmis,
       true,
       {"--weighted", "--p", "0.5", "--q", "2"},
       0.5,
       2.0,
       77},
  };
  testing::TestServer t;
  ASSERT_NE(t.server, nullptr);
  for (const CliCase& c : cases) {
    SCOPED_TRACE(c.name);
    ScratchDir dir;
    const std::string output = dir.File("vectors.bin");
    std::vector<std::string> argv = {
        N2V_CLI_BIN, "embed",           "--input", c.dataset, "--output",
        output,      "--deterministic", "--seed",  "7",       "--dimensions",
        "16",        "--format",        "binary",  "--quiet"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    std::unique_ptr<ChildProcess> cli =
        ChildProcess::Start(argv, "", dir.File("cli.stderr"));
    ASSERT_NE(cli, nullptr);
    const std::optional<int> status = cli->Wait(testing::kHangGuard);
    ASSERT_TRUE(status.has_value());
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << testing::ReadFile(dir.File("cli.stderr"));
    const BinaryEmbeddings expected = ParseBinary(testing::ReadFile(output));
    ASSERT_EQ(expected.ids.size(), c.nodes);
    ASSERT_EQ(expected.dimensions, 16u);

    const v1::Snapshot snapshot = testing::UploadOrDie(
        *t.stub, testing::ReadDataset(c.dataset, c.weighted), false,
        c.weighted);
    v1::Node2VecParams params;
    params.set_embedding_dimension(16);
    params.set_random_seed(7);
    params.set_deterministic(true);
    params.set_return_factor(c.p);
    params.set_in_out_factor(c.q);
    const v1::Job job =
        testing::StartJobOrDie(*t.stub, snapshot.snapshot_id(), params);
    testing::WaitSucceeded(*t.stub, job.job_id());
    const testing::Fetched fetched = testing::Fetch(*t.stub, job.job_id());
    ASSERT_TRUE(fetched.status.ok()) << Describe(fetched.status);
    EXPECT_EQ(fetched.ids, expected.ids);
    ASSERT_EQ(fetched.vectors.size(), expected.vectors.size());
    EXPECT_EQ(std::memcmp(fetched.vectors.data(), expected.vectors.data(),
                          expected.vectors.size()),
              0);
  }
}

// grpcurl from PATH or ~/go/bin, or empty.
std::string FindGrpcurl() {
  if (std::system("command -v grpcurl > /dev/null 2>&1") == 0) return "grpcurl";
  if (const char* home = std::getenv("HOME")) {
    const std::string path = std::string(home) + "/go/bin/grpcurl";
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// Runs a shell command; returns its exit status and output (with stderr).
int RunShell(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output->append(buffer, n);
  }
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ReflectionTest, GrpcurlListsAndCallsTheService) {
  const std::string grpcurl = FindGrpcurl();
  if (grpcurl.empty()) {
    GTEST_SKIP() << "grpcurl is neither on PATH nor in $HOME/go/bin";
  }
  testing::TestServer t;
  ASSERT_NE(t.server, nullptr);
  const std::string address = absl::StrCat("127.0.0.1:", t.server->port());
  std::string services;
  ASSERT_EQ(RunShell(grpcurl + " -plaintext " + address + " list", &services),
            0)
      << services;
  const std::vector<std::string> lines = Lines(services);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "n2v.v1.N2v"), lines.end())
      << services;
  EXPECT_NE(std::find(lines.begin(), lines.end(), "grpc.health.v1.Health"),
            lines.end())
      << services;

  std::string methods;
  ASSERT_EQ(RunShell(grpcurl + " -plaintext " + address + " list n2v.v1.N2v",
                     &methods),
            0)
      << methods;
  EXPECT_TRUE(absl::StrContains(methods, "n2v.v1.N2v.UploadSnapshot"))
      << methods;
  EXPECT_TRUE(absl::StrContains(methods, "n2v.v1.N2v.Embed")) << methods;

  testing::UploadOrDie(*t.stub, testing::Ring(5));
  std::string listed;
  ASSERT_EQ(RunShell(grpcurl + " -plaintext -d '{}' " + address +
                         " n2v.v1.N2v/ListSnapshots",
                     &listed),
            0)
      << listed;
  EXPECT_TRUE(absl::StrContains(listed, "\"nodes\": \"5\"")) << listed;
  std::string jobs;
  EXPECT_EQ(RunShell(grpcurl + " -plaintext -d '{}' " + address +
                         " n2v.v1.N2v/ListJobs",
                     &jobs),
            0)
      << jobs;
}

}  // namespace
}  // namespace n2v::sidecar
