// n2v-sidecar: command line, signals, and the server's lifetime.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "log.h"
#include "mpi_ranks.h"
#include "n2v/io/replacing_file.h"
#include "n2v/status_macros.h"
#include "n2v/walks.h"
#include "server.h"
#include "size_flag.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve on, host:port. Port 0 picks a free port.");
ABSL_FLAG(std::string, port_file, "",
          "Write the bound port number to this file once listening.");
ABSL_FLAG(std::string, memory_budget, "",
          "Memory for snapshots and jobs together, e.g. 512MiB or 8GiB. "
          "Default: half of the machine's memory.");
ABSL_FLAG(int, max_jobs, 2, "Jobs that run at the same time; more queue.");
ABSL_FLAG(absl::Duration, retention, absl::Hours(1),
          "Unused snapshots and finished results are dropped after this long "
          "(e.g. 30m, 2h).");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve TLS.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: require client certificates signed by it "
          "(mutual TLS).");
ABSL_FLAG(std::string, token_file, "",
          "File of bearer tokens, one per line: calls must send "
          "'authorization: Bearer <token>' (health checks excepted).");
ABSL_FLAG(std::string, log_level, "info",
          "debug, info, warning or error. Logs are JSON lines on stderr.");
ABSL_FLAG(absl::Duration, rank_timeout, absl::Seconds(10),
          "Under mpirun: a rank silent for this long is lost. Its job fails "
          "naming it; with mpirun --enable-recovery the sidecar stays up and "
          "runs later jobs on rank 0 alone.");
ABSL_FLAG(uint64_t, walks_per_wave, n2v::kDefaultWalksPerWave,
          "Under mpirun: walks per rank in one wave of a job (1 to 4294967295). "
          "More take more memory per rank and pass the context vectors around "
          "the ring fewer times, which matters across machines.");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(30),
          "On SIGTERM, how long running jobs may take to finish before they "
          "are cancelled.");

namespace {

// Accepts --memory-budget as well as --memory_budget: flag names are
// written with dashes in the docs, Abseil defines them with underscores.
void NormalizeFlagNames(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (arg[0] != '-' || arg[1] != '-') continue;
    if (arg[2] == '\0') break;  // "--" ends the flags
    for (char* c = arg + 2; *c != '\0' && *c != '='; ++c) {
      if (*c == '-') *c = '_';
    }
  }
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "n2v-sidecar: error: %s\n", message.c_str());
  return 2;
}

// The port, whole or not at all, for scripts that wait for the file.
absl::Status WritePortFile(const std::string& path, int port) {
  N2V_ASSIGN_OR_RETURN(n2v::io::ReplacingFile file, n2v::io::ReplacingFile::Create(path));
  N2V_RETURN_IF_ERROR(file.Write(absl::StrCat(port, "\n")));
  return file.Commit();
}

// The flags each rank of an mpirun'd sidecar reads for itself: the wave
// size (checked) and its own memory budget (half its machine's memory by
// default). Errors name the flag.
absl::StatusOr<uint64_t> ReadRankFlags() {
  if (const absl::Status valid = n2v::ValidateWalksPerWave(
          absl::GetFlag(FLAGS_walks_per_wave), {.walks_per_wave = "--walks-per-wave"});
      !valid.ok()) {
    return valid;
  }
  const std::string asked = absl::GetFlag(FLAGS_memory_budget);
  absl::StatusOr<uint64_t> budget =
      asked.empty() ? n2v::sidecar::DefaultMemoryBudget() : n2v::sidecar::ParseByteSize(asked);
  if (!budget.ok()) {
    return absl::Status(budget.status().code(),
                        absl::StrCat("--memory-budget: ", budget.status().message()));
  }
  return budget;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace n2v::sidecar;
  absl::SetProgramUsageMessage(
      "n2v-sidecar: node2vec embeddings over gRPC (n2v.v1).\n"
      "usage: n2v-sidecar [--listen 127.0.0.1:50051] [--memory-budget 8GiB] "
      "[--max-jobs 2] [--retention 1h] [--tls-cert F --tls-key F "
      "[--tls-client-ca F]] [--token-file F] [--log-level info]");
  // Block the shutdown signals before any thread starts, so only the
  // waiting thread below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Under mpirun, ranks other than 0 only take part in rank 0's jobs.
  auto ranks = MpiRanks::JoinIfLaunched(&argc, &argv);
  if (!ranks.ok()) return Fail(std::string(ranks.status().message()));
  NormalizeFlagNames(argc, argv);
  absl::ParseCommandLine(argc, argv);
  const uint64_t walks_per_wave = absl::GetFlag(FLAGS_walks_per_wave);
  const absl::StatusOr<uint64_t> memory_budget = ReadRankFlags();
  if (*ranks != nullptr) {
    // The lowest rank that refused its flags says why, and rank 0 names it.
    const absl::Status agreed = (*ranks)->AgreeOnFlags(memory_budget.status());
    if (!agreed.ok() && (*ranks)->leader()) return Fail(std::string(agreed.message()));
    if (!agreed.ok() && agreed != memory_budget.status()) return 2;
    if (!agreed.ok()) {
      return Fail(absl::StrCat("rank ", (*ranks)->rank(), ": ", agreed.message()));
    }
  } else if (!memory_budget.ok()) {
    return Fail(std::string(memory_budget.status().message()));
  }
  if (*ranks != nullptr) {
    const absl::Status watched =
        (*ranks)->Watch(absl::GetFlag(FLAGS_rank_timeout), walks_per_wave, *memory_budget);
    // Every rank fails alike; rank 0 alone says why.
    if (!watched.ok() && !(*ranks)->leader()) return 2;
    if (!watched.ok()) return Fail(absl::StrCat("--rank-timeout: ", watched.message()));
  }
  if (*ranks != nullptr && !(*ranks)->leader()) {
    const absl::Status followed = (*ranks)->Follow();
    if (!followed.ok()) return Fail(std::string(followed.message()));
    return 0;
  }
  // However rank 0 ends, the other ranks end with it.
  struct StopRanksOnExit {
    MpiRanks* ranks;
    ~StopRanksOnExit() {
      if (ranks != nullptr) ranks->Stop();
    }
  } stop_ranks{ranks->get()};

  auto level = ParseLogLevel(absl::GetFlag(FLAGS_log_level));
  if (!level.ok()) return Fail(absl::StrCat("--log-level: ", level.status().message()));
  SetLogLevel(*level);

  ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.service.memory_budget_bytes = *memory_budget;
  options.service.max_jobs = absl::GetFlag(FLAGS_max_jobs);
  if (options.service.max_jobs < 1) {
    return Fail(absl::StrCat("--max-jobs must be >= 1, got ",
                             options.service.max_jobs));
  }
  options.service.retention = absl::GetFlag(FLAGS_retention);
  if (options.service.retention <= absl::ZeroDuration()) {
    return Fail("--retention must be positive");
  }
  if (const std::string path = absl::GetFlag(FLAGS_token_file); !path.empty()) {
    auto tokens = TokenSet::FromFile(path);
    if (!tokens.ok()) return Fail(std::string(tokens.status().message()));
    options.service.tokens = std::move(*tokens);
  }
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.grace = absl::GetFlag(FLAGS_grace);
  if (*ranks != nullptr) options.service.ranks = (*ranks)->Runner();

  auto server = SidecarServer::Start(options);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    // Whoever waits for the file must not wait for ever: a port file that
    // cannot be written stops the server.
    if (absl::Status written = WritePortFile(path, (*server)->port()); !written.ok()) {
      (*server)->Shutdown();
      (*server)->Wait();
      return Fail(absl::StrCat("--port-file: ", written.message()));
    }
  }

  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    Log(LogLevel::kInfo, "signal", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    (*server)->Shutdown();
  });
  (*server)->Wait();
  waiter.join();
  return 0;
}
