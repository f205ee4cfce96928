// JobManager: node2vec jobs on stored snapshots.
//
// Jobs are planned and admitted against the memory budget when they are
// started (PlanJob's peak is charged up front; RESOURCE_EXHAUSTED
// otherwise), queued, and run by at most `max_jobs` worker threads. A job is
// one engine Reembed call (an ordinary embedding when it asks for no warm
// start or alignment). It runs independently of the RPC that started it, so
// it survives client disconnects; its vectors stay fetchable until deleted
// or until the retention time after it ended.
//
// Thread safety: all methods may be called concurrently.
#ifndef N2V_SIDECAR_JOB_MANAGER_H_
#define N2V_SIDECAR_JOB_MANAGER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "memory_budget.h"
#include "n2v/embed.h"
#include "n2v/reembed.h"
#include "n2v/v1/n2v.pb.h"
#include "n2v/walks.h"
#include "owner.h"
#include "snapshot_store.h"

namespace n2v::sidecar {

// Whether a job in this state has ended (it will not change again).
bool IsFinal(v1::JobState state);
const char* JobStateName(v1::JobState state);

// The two matrices a finished job holds.
enum class VectorKind {
  kEmbeddings,  // the input vectors: the embedding
  kContext,     // the context (output) vectors, when kept
};

// What to run and for whom.
struct JobRequest {
  std::string snapshot_id = {};
  std::shared_ptr<const GraphHolder> graph = {};
  v1::Node2VecParams params = {};
  std::string label = {};
  std::string tracking_id = {};      // the caller's id for it (GDS's jobId)
  std::string graph_name = {};       // the named graph it runs on, if any
  std::string mutate_property = {};  // the property on_success stores
  // Called with the vectors once training succeeded, before the job counts
  // as SUCCEEDED; an error fails the job with it.
  std::function<absl::Status(std::shared_ptr<const Embeddings>)> on_success = {};
};

// Jobs across the ranks of a sidecar run under mpirun: the ranks, the
// function that runs a cold embedding on all of them
// (distributed::RankGroup::Embed), and whether one of them was lost
// (distributed::RankWatch). Unset: one process.
struct RankRunner {
  uint32_t ranks = 1;
  // Walks per rank in one wave of a job (bounds a wave's memory; more
  // walks pass the context vectors around the ring fewer times).
  uint64_t walks_per_wave = kDefaultWalksPerWave;
  // The most a job may hold on each rank but the leader (the smallest of
  // their --memory-budget; the leader's own budget is the JobManager's).
  uint64_t rank_memory_budget = UINT64_MAX;
  std::function<absl::StatusOr<ReembedResult>(
      const CsrGraph&, const EmbedOptions&, const ReembedOptions&,
      const PreviousEmbedding&, const EmbedControl&, const OptionNames&)>
      reembed;
  std::function<bool()> lost;

  // The ranks a job may use now: all of them, or 1 without MPI or once a
  // rank was lost.
  uint32_t usable() const;
};

// Every method but Start takes the caller: another owner's job is NotFound
// "job '<id>' not found", like a missing one, unless the caller is an admin.
class JobManager {
 public:
  JobManager(MemoryBudget* budget, int max_jobs, RankRunner ranks = {});
  ~JobManager();

  // Plans the job (InvalidArgument naming the field), charges the budget,
  // queues it for the caller and returns it in state QUEUED.
  absl::StatusOr<v1::Job> Start(const Caller& caller, JobRequest request);

  absl::StatusOr<v1::Job> Get(const Caller& caller, const std::string& id) const;
  // The caller's jobs (everyone's for an admin), those with `tracking_id`
  // (or that job id) when it is not empty.
  std::vector<v1::Job> List(const Caller& caller,
                            const std::string& tracking_id = "") const;
  // Cancels a queued or running job (a no-op on a finished one).
  absl::StatusOr<v1::Job> Cancel(const Caller& caller, const std::string& id);
  // Drops a finished job and its vectors; FailedPrecondition while it runs.
  absl::Status Delete(const Caller& caller, const std::string& id);

  // Waits up to `timeout` for the job to end; returns its progress then.
  absl::StatusOr<v1::JobProgress> WaitUntilDone(const Caller& caller,
                                                const std::string& id,
                                                absl::Duration timeout) const;

  // The vectors of a SUCCEEDED job; FailedPrecondition otherwise, or for
  // context vectors a job did not keep.
  absl::StatusOr<std::shared_ptr<const Embeddings>> Vectors(
      const Caller& caller, const std::string& id, VectorKind kind) const;
  // The canonical code of a FAILED job's error (e.g. InvalidArgument for a
  // training that diverged); FailedPrecondition when it did not fail.
  absl::StatusOr<absl::StatusCode> FailureCode(const Caller& caller,
                                               const std::string& id) const;
  // The graph a job ran on (for the features of its edges).
  absl::StatusOr<std::shared_ptr<const GraphHolder>> Graph(
      const Caller& caller, const std::string& id) const;

  // Drops jobs that ended before `cutoff`; returns their ids.
  std::vector<std::string> DropFinishedBefore(absl::Time cutoff);

  // Stops taking jobs, lets running ones finish for up to `grace`, cancels
  // the rest and joins the workers. Idempotent.
  void Shutdown(absl::Duration grace);

  // Walk nodes per second measured over finished jobs (0 before any).
  double MeasuredNodesPerSecond() const;
  // The sidecar's usable MPI ranks (1 when not under mpirun, or once one
  // was lost).
  uint32_t ranks() const { return ranks_.usable(); }

 private:
  struct Record;
  // The job if the caller may see it, else null.
  std::shared_ptr<Record> Find(const Caller& caller, const std::string& id) const;
  void WorkerLoop();
  // The first queued job a worker may start now (call with mu_ held): the
  // ranks run one job at a time, so a job that needs them waits, QUEUED
  // and cancellable, while another holds them.
  std::deque<std::shared_ptr<Record>>::iterator NextStartable();
  void Run(Record& job);
  // The job's training: on every rank when its plan says so and they are
  // all still there, else here.
  absl::StatusOr<ReembedResult> Train(Record& job, const EmbedControl& control);

  MemoryBudget* const budget_;
  const RankRunner ranks_;
  mutable std::mutex mu_;
  std::condition_variable queue_cv_;
  std::map<std::string, std::shared_ptr<Record>> jobs_;
  std::deque<std::shared_ptr<Record>> queue_;
  bool stopping_ = false;
  bool ranks_busy_ = false;  // a job is running on the MPI ranks
  int running_ = 0;
  std::condition_variable idle_cv_;
  double nodes_per_second_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_JOB_MANAGER_H_
