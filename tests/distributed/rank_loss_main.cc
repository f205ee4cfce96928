// A rank that dies, under `mpirun --enable-recovery -np 3` (Open MPI lets
// the others live on): rank 2 kills itself while the ranks exchange; rank
// 0, watching it, must get Unavailable naming rank 2, and rank 1, watching
// its leader, must find the leader gone quiet. Each survivor prints one
// verdict line; ctest matches them, since mpirun's exit status says
// nothing under --enable-recovery.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/rank_watch.h"

namespace {

using n2v::distributed::Communicator;

constexpr int kRanks = 3;
constexpr int kDying = 2;

// Exchanges until a call fails (rank kDying dies after half a second).
absl::Status ExchangeUntilFailure(const Communicator& comm) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < absl::Seconds(30)) {
    if (comm.rank() == kDying && absl::Now() - start > absl::Milliseconds(500)) {
      raise(SIGKILL);
    }
    std::vector<std::string> out(comm.size(), std::string(64, 'x')), in;
    if (absl::Status s = comm.AllToAll(out, &in); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// What this survivor should have been told.
std::string ExpectedLoss(int rank) {
  const int lost = rank == 0 ? kDying : 0;
  return absl::StrCat("rank ", lost, " of ", kRanks, " stopped answering");
}

int Verdict(int rank, bool ok, const std::string& what) {
  std::printf("rank %d: %s: %s\n", rank, ok ? "lost as expected" : "UNEXPECTED",
              what.c_str());
  std::fflush(stdout);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto session = n2v::distributed::MpiSession::Start(
      &argc, &argv, n2v::distributed::MpiSession::Threads::kSerialized);
  if (!session.ok()) return Verdict(-1, false, std::string(session.status().message()));
  const Communicator world = Communicator::World();
  if (world.size() != kRanks) {
    return Verdict(world.rank(), false, absl::StrCat("needs ", kRanks, " ranks"));
  }
  auto watch = n2v::distributed::RankWatch::Start(world, {.timeout = absl::Seconds(3)});
  if (!watch.ok()) return Verdict(world.rank(), false, std::string(watch.status().message()));
  const Communicator comm = world.Watched((*watch)->loss());

  const absl::Time start = absl::Now();
  const absl::Status failed = ExchangeUntilFailure(comm);
  const absl::Duration took = absl::Now() - start;
  if (failed.ok()) return Verdict(world.rank(), false, "no loss seen in 30 s");
  const bool named = failed.code() == absl::StatusCode::kUnavailable &&
                     absl::StrContains(failed.message(), ExpectedLoss(world.rank()));
  // Every later call fails at once, without MPI.
  std::vector<uint64_t> values(1, 1);
  const absl::Status later = comm.SumAll(std::span<uint64_t>(values));
  const bool later_fails = later == failed;
  return Verdict(world.rank(), named && later_fails && took < absl::Seconds(20),
                 absl::StrCat(failed.message(), " (after ", absl::FormatDuration(took),
                              later_fails ? "" : "; a later call did not fail with it",
                              ")"));
}
