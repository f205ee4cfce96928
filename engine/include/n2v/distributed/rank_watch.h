// RankWatch: finds a rank that stopped answering, for jobs whose MPI
// runtime lets the other ranks go on when one dies (Open MPI's mpirun
// --enable-recovery). MPI itself never reports such a loss: a collective
// with a dead rank simply never ends. So the leader (rank 0) and every
// other rank exchange heartbeats on a communicator of their own, from a
// thread of their own; the leader watches every follower and each
// follower watches the leader. When one is silent for longer than the
// timeout, the watch reports it (RankLoss) and stops calling MPI, and
// every communicator it watches (Communicator::Watched) fails its calls
// with that loss. A follower whose leader goes silent, because the leader
// died or lost another rank, finds it the same way.
//
// The heartbeats also relay a cancel from the leader to the followers:
// each names the job (numbered by the caller) whose cancel flag is raised
// on the leader, or none, and a follower raises its own flag for that job
// when it is the one it runs. So a follower hears a cancel within one
// interval, not at the job's next collective check.
//
// Needs MPI from any thread (MpiSession::Threads::kSerialized): the watch
// and the job take turns at MPI.
// Thread safety: every method may be called from any thread.
#ifndef N2V_DISTRIBUTED_RANK_WATCH_H_
#define N2V_DISTRIBUTED_RANK_WATCH_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "n2v/distributed/communicator.h"

namespace n2v::distributed {

struct RankWatchOptions {
  // A rank silent for this long is lost.
  absl::Duration timeout = absl::Seconds(10);
  // How often each rank sends a heartbeat (a tenth of the timeout when 0).
  absl::Duration interval = absl::ZeroDuration();
};

class RankWatch {
 public:
  // Collective: every rank of `comm` starts its watch at the same point.
  // InvalidArgument for a timeout under 100 ms or an interval that is not
  // below it; MPI's errors as Internal.
  static absl::StatusOr<std::unique_ptr<RankWatch>> Start(const Communicator& comm,
                                                          RankWatchOptions options);
  ~RankWatch();
  RankWatch(const RankWatch&) = delete;
  RankWatch& operator=(const RankWatch&) = delete;

  // Ends the heartbeats. Every rank stops its watch when the ranks part
  // normally; a leader stops after telling the followers to stop.
  void Stop();
  // Where the loss is reported, for Communicator::Watched.
  std::shared_ptr<const RankLoss> loss() const { return loss_; }

  // Leader: from now on the heartbeats name `job` while `cancel` is
  // raised. `cancel` must outlive the next call (RelayCancel(0, nullptr)
  // when the job ends).
  void RelayCancel(uint64_t job, const std::atomic<bool>* cancel);
  // Follower: the flag raised when the leader names `job`, lowered now;
  // valid as long as the watch.
  const std::atomic<bool>* CancelOf(uint64_t job);

 private:
  struct Channel;  // the MPI side (rank_watch.cc)
  RankWatch(const Communicator& comm, RankWatchOptions options,
            std::unique_ptr<Channel> channel);
  // The watch thread: heartbeats until stopped or a rank is lost.
  void Run();
  // What this rank's next heartbeats carry: the leader's cancelled job.
  uint64_t CancelledJob();
  // A follower heard that the leader cancelled `job`.
  void HeardCancel(uint64_t job);

  const int rank_;
  const int ranks_;
  const RankWatchOptions options_;
  std::unique_ptr<Channel> channel_;
  const std::shared_ptr<RankLoss> loss_ = std::make_shared<RankLoss>();
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::mutex relay_mu_;
  // The leader's job whose cancel it relays, or the job a follower runs.
  uint64_t relay_job_ = 0;                           // guarded by relay_mu_
  const std::atomic<bool>* relay_cancel_ = nullptr;  // guarded by relay_mu_
  std::atomic<bool> follower_cancel_{false};
  std::thread thread_;
};

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_RANK_WATCH_H_
