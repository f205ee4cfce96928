// The sidecar under mpirun (`mpirun -np N n2v-sidecar ...`): rank 0 serves
// and the other ranks take part in its jobs (distributed::RankGroup), while
// a distributed::RankWatch looks out for a rank that stops answering. Built
// only with MPI (N2V_WITH_MPI); without it, or when not started by mpirun,
// the sidecar is one process.
#ifndef N2V_SIDECAR_MPI_RANKS_H_
#define N2V_SIDECAR_MPI_RANKS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "job_manager.h"

namespace n2v::sidecar {

class MpiRanks {
 public:
  // Joins the MPI job when the process was started by mpirun; null when it
  // was not (or the build has no MPI). Errors: MPI's.
  static absl::StatusOr<std::unique_ptr<MpiRanks>> JoinIfLaunched(int* argc,
                                                                  char*** argv);
  ~MpiRanks();

  // Collective, once the flags are read: starts the heartbeats. A rank
  // silent for `timeout` is lost: the job that needs it fails naming it,
  // and later jobs run on the leader alone (when mpirun lets the other
  // ranks live on; otherwise the MPI runtime ends them all).
  // The leader's jobs run waves of `walks_per_wave` walks per rank, and
  // may hold on each other rank no more than the smallest of their
  // `memory_budget`s (each rank's own --memory-budget).
  absl::Status Watch(absl::Duration timeout, uint64_t walks_per_wave,
                     uint64_t memory_budget);

  // Collective, before Watch: each rank reads its own flags (an MPMD
  // command line may give each its own), and all stop if one refuses them.
  // `mine` on the lowest rank that refused its flags, Aborted naming that
  // rank on the others, OK when none did.
  absl::Status AgreeOnFlags(const absl::Status& mine);

  bool leader() const;
  int rank() const;
  int ranks() const;
  // Followers: take part in the leader's jobs until it stops them.
  absl::Status Follow();
  // Leader: runs cold jobs on every rank (for ServiceOptions::ranks) until
  // a rank is lost.
  RankRunner Runner();
  // Leader: ends the followers (at shutdown).
  void Stop();

 private:
  struct State;
  explicit MpiRanks(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_MPI_RANKS_H_
