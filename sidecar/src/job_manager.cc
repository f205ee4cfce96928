// JobManager implementation.
#include "job_manager.h"

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "job_plan.h"
#include "log.h"
#include "n2v/reembed.h"
#include "n2v/status_macros.h"
#include "params.h"

namespace n2v::sidecar {

bool IsFinal(v1::JobState s) {
  return s == v1::JOB_STATE_SUCCEEDED || s == v1::JOB_STATE_FAILED ||
         s == v1::JOB_STATE_CANCELLED;
}

const char* JobStateName(v1::JobState state) {
  switch (state) {
    case v1::JOB_STATE_QUEUED:
      return "QUEUED";
    case v1::JOB_STATE_RUNNING:
      return "RUNNING";
    case v1::JOB_STATE_SUCCEEDED:
      return "SUCCEEDED";
    case v1::JOB_STATE_FAILED:
      return "FAILED";
    case v1::JOB_STATE_CANCELLED:
      return "CANCELLED";
    default:
      return "UNSPECIFIED";
  }
}

struct JobManager::Record {
  std::string id;
  Owner owner;
  JobPlan plan;
  std::function<absl::Status(std::shared_ptr<const Embeddings>)> on_success;
  std::shared_ptr<const GraphHolder> graph;
  std::atomic<bool> cancel{false};

  mutable std::mutex mu;
  mutable std::condition_variable changed;
  v1::Job job;  // id, params, progress, stats
  std::shared_ptr<const Embeddings> embeddings;
  std::shared_ptr<const Embeddings> context;
  absl::StatusCode failure = absl::StatusCode::kOk;
  Reservation memory;
  absl::Time finished = absl::InfiniteFuture();

  // Call with mu held.
  v1::JobState state() const { return job.progress().state(); }
  bool done() const { return IsFinal(state()); }
  // Wakes waiters; call with mu held.
  void Touch() { changed.notify_all(); }

  // Marks a dequeued job RUNNING; false when it was cancelled while queued.
  bool MarkRunning();
  // Records a progress report of the running job.
  void Progress(const EmbedProgress& p);
  // Records how the run ended, keeps its vectors and shrinks its memory to
  // them; returns the walk nodes per second it measured (0 if none).
  double Finish(absl::StatusOr<ReembedResult> result, absl::Time started);

 private:
  double KeepSuccess(ReembedResult& result,
                     std::shared_ptr<const Embeddings> vectors);
  void KeepFailure(const absl::Status& status);
};

namespace {

int64_t UnixMillis(absl::Time t) { return absl::ToUnixMillis(t); }

v1::JobPhase ToPhase(EmbedPhase phase) {
  switch (phase) {
    case EmbedPhase::kCounting:
      return v1::JOB_PHASE_COUNTING;
    case EmbedPhase::kTraining:
      return v1::JOB_PHASE_TRAINING;
    case EmbedPhase::kDone:
      return v1::JOB_PHASE_DONE;
  }
  return v1::JOB_PHASE_UNSPECIFIED;
}

absl::Status JobNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("job '", id, "' not found"));
}

// The Job message of a job just queued.
v1::Job QueuedJob(const std::string& id, const Owner& owner,
                  const JobRequest& request, const JobPlan& plan) {
  v1::Job job;
  job.set_job_id(id);
  job.set_snapshot_id(request.snapshot_id);
  job.set_label(request.label);
  *job.mutable_owner() = owner.ToProto();
  job.set_tracking_id(request.tracking_id);
  job.set_graph_name(request.graph_name);
  job.set_mutate_property(request.mutate_property);
  *job.mutable_params() = plan.params;
  job.mutable_progress()->set_job_id(id);
  job.mutable_progress()->set_state(v1::JOB_STATE_QUEUED);
  job.set_memory_bytes(plan.memory.peak);
  job.set_ranks(plan.ranks);
  job.set_created_unix_ms(UnixMillis(absl::Now()));
  return job;
}

void LogQueued(const v1::Job& job, const CsrGraph& g) {
  const v1::Node2VecParams& p = job.params();
  Log(LogLevel::kInfo, "job_queued",
      {{"job_id", job.job_id()}, {"snapshot_id", job.snapshot_id()},
       {"label", job.label()}, {"owner", job.owner().user()},
       {"database", job.owner().database()},
       {"tracking_id", job.tracking_id()}, {"nodes", uint64_t{g.num_nodes()}},
       {"arcs", g.num_arcs()}, {"walk_length", p.walk_length()},
       {"walks_per_node", p.walks_per_node()}, {"p", p.return_factor()},
       {"q", p.in_out_factor()}, {"dimensions", p.embedding_dimension()},
       {"window", p.window_size()}, {"negatives", p.negative_sampling_rate()},
       {"iterations", p.iterations()}, {"seed", p.random_seed()},
       {"concurrency", p.concurrency()}, {"deterministic", p.deterministic()},
       {"memory_bytes", job.memory_bytes()}});
}

// Copies an engine progress report into the job's progress.
void CopyProgress(const EmbedProgress& p, v1::JobProgress* out) {
  out->set_phase(ToPhase(p.phase));
  out->set_phase_fraction(p.fraction);
  out->set_overall_fraction(p.overall);
  out->set_nodes_per_second(p.nodes_per_second);
  out->set_loss(p.loss);
  out->set_epoch(p.epoch);
  out->set_elapsed_seconds(p.elapsed_seconds);
  out->set_eta_seconds(p.overall > 0 && p.overall < 1
                           ? p.elapsed_seconds * (1 - p.overall) / p.overall
                           : 0);
}

void CopyDrift(const ReembedReport& report, v1::Drift* out) {
  out->set_shared_nodes(report.drift.shared_nodes);
  out->set_added_nodes(report.drift.added_nodes);
  out->set_removed_nodes(report.drift.removed_nodes);
  out->set_mean(report.drift.mean);
  out->set_p95(report.drift.p95);
  out->set_max(report.drift.max);
  out->set_measured_nodes(report.drift_measured_nodes);
}

// The facts of a successful run, into the Job message.
void DescribeSuccess(const ReembedResult& result, const Embeddings& vectors,
                     v1::Job& out) {
  const EmbedStats& st = result.embed.stats;
  v1::JobProgress* progress = out.mutable_progress();
  progress->set_state(v1::JOB_STATE_SUCCEEDED);
  progress->set_phase(v1::JOB_PHASE_DONE);
  progress->set_phase_fraction(1);
  progress->set_overall_fraction(1);
  out.set_nodes(vectors.size());
  out.set_dimensions(vectors.dimensions());
  for (double loss : st.loss_per_epoch) out.add_loss_per_epoch(loss);
  for (double loss : st.loss_sum_per_epoch) out.add_loss_sum_per_epoch(loss);
  if (!st.loss_per_epoch.empty()) progress->set_loss(st.loss_per_epoch.back());
  out.set_counting_seconds(st.count_seconds);
  out.set_training_seconds(st.train_seconds);
  out.set_warm_started_nodes(st.warm_started_nodes);
  out.set_neighbour_started_nodes(st.neighbour_started_nodes);
  out.set_incremental(result.report.incremental);
  out.set_walk_start_nodes(result.report.walk_start_nodes);
  if (result.report.aligned) CopyDrift(result.report, out.mutable_drift());
}

void LogFinished(const v1::Job& job, double seconds) {
  const v1::JobProgress& progress = job.progress();
  Log(LogLevel::kInfo, "job_finished",
      {{"job_id", job.job_id()},
       {"outcome", JobStateName(progress.state())},
       {"seconds", seconds},
       {"counting_seconds", job.counting_seconds()},
       {"training_seconds", job.training_seconds()},
       {"nodes", job.nodes()},
       {"loss", progress.loss()},
       {"error", progress.error()}});
}

}  // namespace

bool JobManager::Record::MarkRunning() {
  std::lock_guard<std::mutex> lock(mu);
  if (done()) return false;
  job.mutable_progress()->set_state(v1::JOB_STATE_RUNNING);
  Touch();
  return true;
}

void JobManager::Record::Progress(const EmbedProgress& p) {
  std::lock_guard<std::mutex> lock(mu);
  CopyProgress(p, job.mutable_progress());
  Touch();
}

double JobManager::Record::Finish(absl::StatusOr<ReembedResult> result,
                                  absl::Time started) {
  // The vectors are handed over (e.g. to a named graph) before the job
  // counts as done, outside the job's lock.
  std::shared_ptr<const Embeddings> vectors;
  if (result.ok()) {
    vectors = std::make_shared<const Embeddings>(
        std::move(result->embed.embeddings));
    if (on_success) {
      if (absl::Status s = on_success(vectors); !s.ok()) result = s;
    }
  }
  const absl::Time now = absl::Now();
  const double seconds = absl::ToDoubleSeconds(now - started);
  std::lock_guard<std::mutex> lock(mu);
  job.mutable_progress()->set_elapsed_seconds(seconds);
  job.mutable_progress()->set_eta_seconds(0);
  job.set_finished_unix_ms(UnixMillis(now));
  finished = now;
  double rate = 0;
  if (result.ok()) {
    rate = KeepSuccess(*result, std::move(vectors));
  } else {
    KeepFailure(result.status());
  }
  Touch();
  LogFinished(job, seconds);
  return rate;
}

double JobManager::Record::KeepSuccess(
    ReembedResult& result, std::shared_ptr<const Embeddings> vectors) {
  DescribeSuccess(result, *vectors, job);
  memory.Resize(plan.memory.result, "job result").IgnoreError();  // shrinking
  job.set_memory_bytes(memory.bytes());
  EmbedResult& embed = result.embed;
  if (embed.context.size() > 0) {
    context = std::make_shared<const Embeddings>(std::move(embed.context));
  }
  embeddings = std::move(vectors);
  const EmbedStats& st = embed.stats;
  if (st.train_seconds <= 0) return 0;
  return st.walk_nodes * plan.options.epochs /
         (st.count_seconds + st.train_seconds);
}

void JobManager::Record::KeepFailure(const absl::Status& status) {
  const bool cancelled = status.code() == absl::StatusCode::kCancelled;
  job.mutable_progress()->set_state(cancelled ? v1::JOB_STATE_CANCELLED
                                              : v1::JOB_STATE_FAILED);
  if (!cancelled) {
    job.mutable_progress()->set_error(std::string(status.message()));
    failure = status.code();
  }
  memory.Release();
  job.set_memory_bytes(0);
}

uint32_t RankRunner::usable() const {
  if (!reembed || (lost && lost())) return 1;
  return ranks;
}

JobManager::JobManager(MemoryBudget* budget, int max_jobs, RankRunner ranks)
    : budget_(budget), ranks_(std::move(ranks)) {
  for (int i = 0; i < std::max(1, max_jobs); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

JobManager::~JobManager() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<v1::Job> JobManager::Start(const Caller& caller,
                                          JobRequest request) {
  auto record = std::make_shared<Record>();
  N2V_ASSIGN_OR_RETURN(
      record->plan,
      PlanJob(request.params, ShapeOf(*request.graph), PreviousOf(*request.graph),
              ranks_.usable(), ranks_.walks_per_wave));
  const std::string what = absl::StrCat("job on snapshot ", request.snapshot_id);
  N2V_RETURN_IF_ERROR(FitsOtherRanks(record->plan, ranks_.rank_memory_budget, what));
  N2V_ASSIGN_OR_RETURN(record->memory, budget_->Reserve(record->plan.leader_bytes(), what));
  record->id = NewId("job");
  record->owner = caller.owner();
  record->job = QueuedJob(record->id, record->owner, request, record->plan);
  record->graph = std::move(request.graph);
  record->on_success = std::move(request.on_success);
  // What the caller gets: once queued, a worker may start it at once.
  const v1::Job queued = record->job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return absl::UnavailableError("the server is shutting down");
    }
    jobs_[record->id] = record;
    queue_.push_back(record);
  }
  queue_cv_.notify_one();
  LogQueued(queued, record->graph->graph);
  return queued;
}

std::shared_ptr<JobManager::Record> JobManager::Find(
    const Caller& caller, const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || !caller.Sees(it->second->owner)) return nullptr;
  return it->second;
}

absl::StatusOr<v1::Job> JobManager::Get(const Caller& caller,
                                        const std::string& id) const {
  auto record = Find(caller, id);
  if (!record) return JobNotFound(id);
  std::lock_guard<std::mutex> lock(record->mu);
  return record->job;
}

std::vector<v1::Job> JobManager::List(const Caller& caller,
                                      const std::string& tracking_id) const {
  std::vector<std::shared_ptr<Record>> records;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, r] : jobs_) {
      if (caller.Sees(r->owner)) records.push_back(r);
    }
  }
  std::vector<v1::Job> out;
  for (const auto& r : records) {
    std::lock_guard<std::mutex> lock(r->mu);
    if (tracking_id.empty() || r->job.tracking_id() == tracking_id ||
        r->id == tracking_id) {
      out.push_back(r->job);
    }
  }
  return out;
}

absl::StatusOr<v1::Job> JobManager::Cancel(const Caller& caller,
                                           const std::string& id) {
  auto record = Find(caller, id);
  if (!record) return JobNotFound(id);
  record->cancel = true;
  std::lock_guard<std::mutex> lock(record->mu);
  if (record->state() == v1::JOB_STATE_QUEUED) {
    // The worker that dequeues it will see the flag; report it now.
    record->job.mutable_progress()->set_state(v1::JOB_STATE_CANCELLED);
    record->job.set_finished_unix_ms(UnixMillis(absl::Now()));
    record->finished = absl::Now();
    record->memory.Release();
    record->Touch();
    Log(LogLevel::kInfo, "job_finished",
        {{"job_id", id}, {"outcome", "CANCELLED"}, {"seconds", 0.0}});
    // It leaves the queue even while the ranks are busy.
    queue_cv_.notify_all();
  }
  return record->job;
}

absl::Status JobManager::Delete(const Caller& caller, const std::string& id) {
  auto record = Find(caller, id);
  if (!record) return JobNotFound(id);
  {
    std::lock_guard<std::mutex> lock(record->mu);
    if (!record->done()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job '", id, "' is ", JobStateName(record->state()),
          "; cancel it before deleting it"));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  jobs_.erase(id);
  return absl::OkStatus();
}

absl::StatusOr<v1::JobProgress> JobManager::WaitUntilDone(
    const Caller& caller, const std::string& id, absl::Duration timeout) const {
  auto record = Find(caller, id);
  if (!record) return JobNotFound(id);
  std::unique_lock<std::mutex> lock(record->mu);
  record->changed.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                           [&] { return record->done(); });
  return record->job.progress();
}

absl::StatusOr<std::shared_ptr<const Embeddings>> JobManager::Vectors(
    const Caller& caller, const std::string& id, VectorKind kind) const {
  auto record = Find(caller, id);
  if (!record) return JobNotFound(id);
  std::lock_guard<std::mutex> lock(record->mu);
  if (record->state() != v1::JOB_STATE_SUCCEEDED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job '", id, "' is ", JobStateName(record->state()),
        ": vectors exist only once it has SUCCEEDED"));
  }
  if (kind == VectorKind::kEmbeddings) return record->embeddings;
  if (!record->context) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job '", id, "' kept no context vectors: run it with "
        "params.keep_context or params.warm_start"));
  }
  return record->context;
}

absl::StatusOr<absl::StatusCode> JobManager::FailureCode(
    const Caller& caller, const std::string& id) const {
  auto record = Find(caller, id);
  if (!record) return JobNotFound(id);
  std::lock_guard<std::mutex> lock(record->mu);
  if (record->state() != v1::JOB_STATE_FAILED) {
    return absl::FailedPreconditionError(
        absl::StrCat("job '", id, "' did not fail"));
  }
  return record->failure;
}

absl::StatusOr<std::shared_ptr<const GraphHolder>> JobManager::Graph(
    const Caller& caller, const std::string& id) const {
  auto record = Find(caller, id);
  if (!record) return JobNotFound(id);
  return record->graph;
}

std::vector<std::string> JobManager::DropFinishedBefore(absl::Time cutoff) {
  std::vector<std::shared_ptr<Record>> doomed;
  std::vector<std::string> ids;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    bool expired;
    {
      std::lock_guard<std::mutex> job_lock(it->second->mu);
      expired = it->second->done() && it->second->finished < cutoff;
    }
    if (expired) {
      ids.push_back(it->first);
      doomed.push_back(std::move(it->second));
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  return ids;
}

double JobManager::MeasuredNodesPerSecond() const {
  std::lock_guard<std::mutex> lock(mu_);
  return nodes_per_second_;
}

std::deque<std::shared_ptr<JobManager::Record>>::iterator JobManager::NextStartable() {
  return std::find_if(queue_.begin(), queue_.end(), [&](const auto& job) {
    return job->plan.ranks <= 1 || !ranks_busy_ || job->cancel;
  });
}

void JobManager::WorkerLoop() {
  while (true) {
    std::shared_ptr<Record> job;
    bool on_ranks = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || NextStartable() != queue_.end(); });
      const auto next = NextStartable();
      if (next == queue_.end()) return;  // stopping
      job = std::move(*next);
      queue_.erase(next);
      on_ranks = job->plan.ranks > 1 && ranks_.usable() > 1 && !job->cancel;
      ranks_busy_ = ranks_busy_ || on_ranks;
      ++running_;
    }
    Run(*job);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
      if (on_ranks) ranks_busy_ = false;
    }
    // A job waiting for the ranks may start now.
    if (on_ranks) queue_cv_.notify_all();
    idle_cv_.notify_all();
  }
}

void JobManager::Run(Record& job) {
  if (!job.MarkRunning()) return;  // cancelled while queued
  Log(LogLevel::kInfo, "job_started", {{"job_id", job.id}});
  const absl::Time started = absl::Now();
  EmbedControl control;
  control.cancel = &job.cancel;
  control.progress_interval = absl::Milliseconds(100);
  control.on_progress = [&job](const EmbedProgress& p) { job.Progress(p); };
  const double rate = job.Finish(Train(job, control), started);
  // The manager's lock is taken only after the job's is released: the
  // retention sweep takes them in the other order.
  if (rate > 0) {
    std::lock_guard<std::mutex> manager_lock(mu_);
    nodes_per_second_ = rate;
  }
}

absl::StatusOr<ReembedResult> JobManager::Train(Record& job, const EmbedControl& control) {
  if (job.plan.ranks > 1 && ranks_.usable() <= 1) {
    // Planned for the ranks, queued when one was lost: it runs here, within
    // what it reserved (the one-process peak and more).
    Log(LogLevel::kInfo, "job_runs_on_rank_0", {{"job_id", job.id}});
    std::lock_guard<std::mutex> lock(job.mu);
    job.job.set_ranks(1);
  }
  if (job.plan.ranks <= 1 || ranks_.usable() <= 1) {
    return Reembed(job.graph->graph, job.plan.options, job.plan.reembed,
                   PreviousOf(*job.graph), control, ParamNames());
  }
  absl::StatusOr<ReembedResult> result =
      ranks_.reembed(job.graph->graph, job.plan.options, job.plan.reembed,
                     PreviousOf(*job.graph), control, ParamNames());
  if (!result.ok() && ranks_.lost && ranks_.lost()) {
    Log(LogLevel::kError, "rank_lost",
        {{"job_id", job.id}, {"error", std::string(result.status().message())}});
    return absl::Status(result.status().code(),
                        absl::StrCat(result.status().message(),
                                     "; later jobs run on rank 0 alone"));
  }
  return result;
}

void JobManager::Shutdown(absl::Duration grace) {
  std::vector<std::thread> workers;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (workers_.empty()) return;
    stopping_ = true;
    // Queued jobs will not start.
    for (auto& job : queue_) {
      job->cancel = true;
      std::lock_guard<std::mutex> job_lock(job->mu);
      job->job.mutable_progress()->set_state(v1::JOB_STATE_CANCELLED);
      job->finished = absl::Now();
      job->memory.Release();
      job->Touch();
    }
    queue_.clear();
    queue_cv_.notify_all();
    idle_cv_.wait_for(lock, absl::ToChronoNanoseconds(grace),
                      [&] { return running_ == 0; });
    for (auto& [id, job] : jobs_) job->cancel = true;
    workers.swap(workers_);
  }
  for (auto& worker : workers) worker.join();
}

}  // namespace n2v::sidecar
