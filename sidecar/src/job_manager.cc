// JobManager implementation.
#include "job_manager.h"

#include <algorithm>
#include <atomic>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "n2v/alignment.h"
#include "absl/time/clock.h"
#include "log.h"
#include "params.h"

namespace n2v::sidecar {

struct JobManager::Record {
  std::string id;
  std::string snapshot_id;
  std::string label;
  v1::Node2VecParams params;  // with defaults
  EmbedOptions options;
  std::shared_ptr<const GraphHolder> graph;
  std::atomic<bool> cancel{false};

  mutable std::mutex mu;
  mutable std::condition_variable changed;
  v1::Job job;  // id, params, progress, stats
  std::shared_ptr<const Embeddings> result;
  std::shared_ptr<const Embeddings> context;
  absl::StatusCode failure = absl::StatusCode::kOk;
  Reservation memory;
  absl::Time finished = absl::InfiniteFuture();

  bool done() const {
    const auto s = job.progress().state();
    return s == v1::JOB_STATE_SUCCEEDED || s == v1::JOB_STATE_FAILED ||
           s == v1::JOB_STATE_CANCELLED;
  }
  // Wakes waiters; call with mu held.
  void Touch() { changed.notify_all(); }
};

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

}  // namespace

JobManager::JobManager(MemoryBudget* budget, int max_jobs) : budget_(budget) {
  for (int i = 0; i < std::max(1, max_jobs); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

JobManager::~JobManager() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<v1::Job> JobManager::Start(
    const std::string& snapshot_id, std::shared_ptr<const GraphHolder> graph,
    const v1::Node2VecParams& params, const std::string& label) {
  absl::StatusOr<EmbedOptions> options = ToEmbedOptions(params);
  if (!options.ok()) return options.status();
  if (params.incremental() && !params.warm_start()) {
    return absl::InvalidArgumentError(
        "params.incremental needs params.warm_start");
  }
  if (params.has_incremental_max_changed_fraction() &&
      !(params.incremental_max_changed_fraction() > 0 &&
        params.incremental_max_changed_fraction() <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "params.incremental_max_changed_fraction must be in (0, 1], got ",
        params.incremental_max_changed_fraction()));
  }
  if ((params.warm_start() || params.align()) && graph->initial.size() > 0 &&
      graph->initial.dimensions() != options->dimensions) {
    return absl::InvalidArgumentError(absl::StrCat(
        params.warm_start() ? "params.warm_start" : "params.align",
        ": the snapshot's initial vectors have ",
        graph->initial.dimensions(), " dimensions but embedding_dimension is ",
        options->dimensions));
  }
  options->keep_context = params.keep_context() || params.warm_start();
  const CsrGraph& g = graph->graph;
  EmbedMemory need = EstimateEmbedMemory(g.num_nodes(), g.num_arcs(),
                                         g.weighted(), *options);
  if (options->keep_context) {
    need.peak += need.result;
    need.result *= 2;
  }
  auto record = std::make_shared<Record>();
  record->id = NewId("job");
  absl::StatusOr<Reservation> memory = budget_->Reserve(
      need.peak, absl::StrCat("job on snapshot ", snapshot_id));
  if (!memory.ok()) return memory.status();
  record->memory = std::move(*memory);
  record->snapshot_id = snapshot_id;
  record->label = label;
  record->params = WithDefaults(params);
  record->options = *options;
  record->graph = std::move(graph);
  v1::Job& job = record->job;
  job.set_job_id(record->id);
  job.set_snapshot_id(snapshot_id);
  job.set_label(label);
  *job.mutable_params() = record->params;
  job.mutable_progress()->set_job_id(record->id);
  job.mutable_progress()->set_state(v1::JOB_STATE_QUEUED);
  job.set_memory_bytes(need.peak);
  job.set_created_unix_ms(UnixMillis(absl::Now()));
  // What the caller gets: once queued, a worker may start it at once.
  const v1::Job queued = job;

  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return absl::UnavailableError("the server is shutting down");
    }
    jobs_[record->id] = record;
    queue_.push_back(record);
  }
  queue_cv_.notify_one();
  Log(LogLevel::kInfo, "job_queued",
      {{"job_id", record->id}, {"snapshot_id", snapshot_id}, {"label", label},
       {"nodes", uint64_t{g.num_nodes()}}, {"arcs", g.num_arcs()},
       {"walk_length", record->params.walk_length()},
       {"walks_per_node", record->params.walks_per_node()},
       {"p", record->params.return_factor()},
       {"q", record->params.in_out_factor()},
       {"dimensions", record->params.embedding_dimension()},
       {"window", record->params.window_size()},
       {"negatives", record->params.negative_sampling_rate()},
       {"iterations", record->params.iterations()},
       {"seed", record->params.random_seed()},
       {"concurrency", record->params.concurrency()},
       {"deterministic", record->params.deterministic()},
       {"memory_bytes", need.peak}});
  return queued;
}

std::shared_ptr<JobManager::Record> JobManager::Find(
    const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second;
}

namespace {
absl::Status JobNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("job '", id, "' not found"));
}
}  // namespace

absl::StatusOr<v1::Job> JobManager::Get(const std::string& id) const {
  auto record = Find(id);
  if (!record) return JobNotFound(id);
  std::lock_guard<std::mutex> lock(record->mu);
  return record->job;
}

std::vector<v1::Job> JobManager::List() const {
  std::vector<std::shared_ptr<Record>> records;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, r] : jobs_) records.push_back(r);
  }
  std::vector<v1::Job> out;
  for (const auto& r : records) {
    std::lock_guard<std::mutex> lock(r->mu);
    out.push_back(r->job);
  }
  return out;
}

absl::StatusOr<v1::Job> JobManager::Cancel(const std::string& id) {
  auto record = Find(id);
  if (!record) return JobNotFound(id);
  record->cancel = true;
  std::lock_guard<std::mutex> lock(record->mu);
  if (record->job.progress().state() == v1::JOB_STATE_QUEUED) {
    // The worker that dequeues it will see the flag; report it now.
    record->job.mutable_progress()->set_state(v1::JOB_STATE_CANCELLED);
    record->job.set_finished_unix_ms(UnixMillis(absl::Now()));
    record->finished = absl::Now();
    record->memory.Release();
    record->Touch();
    Log(LogLevel::kInfo, "job_finished",
        {{"job_id", id}, {"outcome", "CANCELLED"}, {"seconds", 0.0}});
  }
  return record->job;
}

absl::Status JobManager::Delete(const std::string& id) {
  auto record = Find(id);
  if (!record) return JobNotFound(id);
  {
    std::lock_guard<std::mutex> lock(record->mu);
    if (!record->done()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job '", id, "' is ",
          JobStateName(record->job.progress().state()),
          "; cancel it before deleting it"));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  jobs_.erase(id);
  return absl::OkStatus();
}

absl::StatusOr<v1::JobProgress> JobManager::WaitUntilDone(
    const std::string& id, absl::Duration timeout) const {
  auto record = Find(id);
  if (!record) return JobNotFound(id);
  std::unique_lock<std::mutex> lock(record->mu);
  record->changed.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                           [&] { return record->done(); });
  return record->job.progress();
}

absl::StatusOr<std::shared_ptr<const Embeddings>> JobManager::Result(
    const std::string& id) const {
  auto record = Find(id);
  if (!record) return JobNotFound(id);
  std::lock_guard<std::mutex> lock(record->mu);
  if (record->job.progress().state() != v1::JOB_STATE_SUCCEEDED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job '", id, "' is ", JobStateName(record->job.progress().state()),
        ": vectors exist only once it has SUCCEEDED"));
  }
  return record->result;
}

absl::StatusOr<std::shared_ptr<const Embeddings>> JobManager::Context(
    const std::string& id) const {
  auto record = Find(id);
  if (!record) return JobNotFound(id);
  std::lock_guard<std::mutex> lock(record->mu);
  if (record->job.progress().state() != v1::JOB_STATE_SUCCEEDED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job '", id, "' is ", JobStateName(record->job.progress().state()),
        ": vectors exist only once it has SUCCEEDED"));
  }
  if (!record->context) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job '", id, "' kept no context vectors: run it with "
        "params.keep_context or params.warm_start"));
  }
  return record->context;
}

absl::StatusOr<absl::StatusCode> JobManager::FailureCode(
    const std::string& id) const {
  auto record = Find(id);
  if (!record) return JobNotFound(id);
  std::lock_guard<std::mutex> lock(record->mu);
  if (record->job.progress().state() != v1::JOB_STATE_FAILED) {
    return absl::FailedPreconditionError(
        absl::StrCat("job '", id, "' did not fail"));
  }
  return record->failure;
}

absl::StatusOr<std::shared_ptr<const GraphHolder>> JobManager::Graph(
    const std::string& id) const {
  auto record = Find(id);
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

void JobManager::WorkerLoop() {
  while (true) {
    std::shared_ptr<Record> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    Run(*job);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
    }
    idle_cv_.notify_all();
  }
}

// Embed, with the job's warm start, incremental walk starts and alignment.
absl::StatusOr<EmbedResult> JobManager::EmbedWithWarmStart(
    Record& job, const EmbedControl& control, WarmOutcome* outcome) {
  const GraphHolder& g = *job.graph;
  const v1::Node2VecParams& params = job.params;
  EmbedOptions options = job.options;
  const bool warm = params.warm_start() && g.initial.size() > 0;
  if (warm) {
    options.initial = &g.initial;
    if (g.initial_context.size() > 0) options.initial_context = &g.initial_context;
  }
  const double max_fraction = params.has_incremental_max_changed_fraction()
                                  ? params.incremental_max_changed_fraction()
                                  : 0.1;
  // Incremental: walks start at the nodes whose edges changed and at nodes
  // without a previous vector (they have nothing to keep), when those are
  // few enough; otherwise the whole graph is walked.
  std::vector<int64_t> starts;
  if (params.incremental() && warm && g.has_previous) {
    starts = g.changed_nodes;
    absl::flat_hash_set<int64_t> seen(starts.begin(), starts.end());
    for (NodeIndex v = 0; v < g.graph.num_nodes(); ++v) {
      const int64_t id = g.graph.original_id(v);
      if (!g.initial.Find(id) && !seen.contains(id)) starts.push_back(id);
    }
    std::sort(starts.begin(), starts.end());
    const bool small = static_cast<double>(starts.size()) <=
                       max_fraction * static_cast<double>(g.graph.num_nodes());
    // Nothing to walk is only an answer when the previous context vectors
    // came too (the next warm start needs them); otherwise walk everything.
    outcome->incremental =
        small && (!starts.empty() || g.initial_context.size() > 0);
  }
  absl::StatusOr<EmbedResult> result;
  if (outcome->incremental && starts.empty()) {
    // Nothing changed and every node has its vectors: they are the answer.
    EmbedResult same;
    same.embeddings = Embeddings(g.graph.shared_ids(), options.dimensions);
    same.context = Embeddings(g.graph.shared_ids(), options.dimensions);
    for (size_t r = 0; r < same.embeddings.size(); ++r) {
      const size_t from = *g.initial.Find(same.embeddings.id(r));
      std::copy_n(g.initial.row(from).data(), options.dimensions,
                  same.embeddings.mutable_row(r).data());
      const auto ctx = g.initial_context.Find(same.embeddings.id(r));
      if (ctx) {
        std::copy_n(g.initial_context.row(*ctx).data(), options.dimensions,
                    same.context.mutable_row(r).data());
      }
    }
    same.stats.warm_started_nodes = same.embeddings.size();
    outcome->walk_start_nodes = 0;
    result = std::move(same);
  } else {
    if (outcome->incremental) options.walk_from = std::move(starts);
    outcome->walk_start_nodes = options.walk_from.empty()
                                    ? g.graph.num_nodes()
                                    : options.walk_from.size();
    result = Embed(g.graph, options, control);
  }
  // Alignment needs previous vectors, not a warm start: a cold run can be
  // rotated onto them too.
  if (!result.ok() || !params.align() || g.initial.size() == 0) return result;

  absl::StatusOr<std::vector<double>> rotation =
      ProcrustesRotation(result->embeddings, g.initial);
  if (!rotation.ok()) return result;  // nothing shared: nothing to align
  Rotate(result->embeddings, *rotation);
  if (result->context.size() > 0) Rotate(result->context, *rotation);
  std::vector<int64_t> unchanged;
  if (g.has_previous) {
    absl::flat_hash_set<int64_t> changed(g.changed_nodes.begin(),
                                         g.changed_nodes.end());
    for (size_t r = 0; r < result->embeddings.size(); ++r) {
      const int64_t id = result->embeddings.id(r);
      if (!changed.contains(id) && g.initial.Find(id)) unchanged.push_back(id);
    }
  }
  absl::StatusOr<DriftStats> drift =
      MeasureDrift(result->embeddings, g.initial, unchanged);
  if (drift.ok()) {
    outcome->aligned = true;
    v1::Drift& d = outcome->drift;
    d.set_shared_nodes(drift->shared_nodes);
    d.set_added_nodes(drift->added_nodes);
    d.set_removed_nodes(drift->removed_nodes);
    d.set_mean(drift->mean);
    d.set_p95(drift->p95);
    d.set_max(drift->max);
    d.set_measured_nodes(unchanged.empty() ? drift->shared_nodes : unchanged.size());
  }
  return result;
}

void JobManager::Run(Record& job) {
  {
    std::lock_guard<std::mutex> lock(job.mu);
    if (job.done()) return;  // cancelled while queued
    job.job.mutable_progress()->set_state(v1::JOB_STATE_RUNNING);
    job.Touch();
  }
  Log(LogLevel::kInfo, "job_started", {{"job_id", job.id}});
  const absl::Time started = absl::Now();
  EmbedControl control;
  control.cancel = &job.cancel;
  control.progress_interval = absl::Milliseconds(100);
  control.on_progress = [&job](const EmbedProgress& p) {
    std::lock_guard<std::mutex> lock(job.mu);
    v1::JobProgress* out = job.job.mutable_progress();
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
    job.Touch();
  };
  WarmOutcome warm;
  absl::StatusOr<EmbedResult> result = EmbedWithWarmStart(job, control, &warm);
  const absl::Time now = absl::Now();
  const double seconds = absl::ToDoubleSeconds(now - started);

  // The manager's lock is taken only after the job's is released: the
  // retention sweep takes them in the other order.
  double measured_rate = 0;
  std::unique_lock<std::mutex> lock(job.mu);
  v1::Job& out = job.job;
  v1::JobProgress* progress = out.mutable_progress();
  progress->set_elapsed_seconds(seconds);
  progress->set_eta_seconds(0);
  out.set_finished_unix_ms(UnixMillis(now));
  job.finished = now;
  if (result.ok()) {
    const EmbedStats& st = result->stats;
    progress->set_state(v1::JOB_STATE_SUCCEEDED);
    progress->set_phase(v1::JOB_PHASE_DONE);
    progress->set_phase_fraction(1);
    progress->set_overall_fraction(1);
    out.set_nodes(result->embeddings.size());
    out.set_dimensions(result->embeddings.dimensions());
    for (double loss : st.loss_per_epoch) out.add_loss_per_epoch(loss);
    if (!st.loss_per_epoch.empty()) progress->set_loss(st.loss_per_epoch.back());
    out.set_counting_seconds(st.count_seconds);
    out.set_training_seconds(st.train_seconds);
    uint64_t keep = EstimateEmbedMemory(result->embeddings.size(), 0, false,
                                        job.options)
                        .result;
    if (result->context.size() > 0) {
      keep *= 2;
      job.context =
          std::make_shared<const Embeddings>(std::move(result->context));
    }
    job.memory.Resize(keep, "job result").IgnoreError();  // shrinking
    out.set_memory_bytes(keep);
    out.set_warm_started_nodes(st.warm_started_nodes);
    out.set_neighbour_started_nodes(st.neighbour_started_nodes);
    out.set_incremental(warm.incremental);
    out.set_walk_start_nodes(warm.walk_start_nodes);
    if (warm.aligned) *out.mutable_drift() = warm.drift;
    job.result =
        std::make_shared<const Embeddings>(std::move(result->embeddings));
    if (st.train_seconds > 0) {
      measured_rate = (st.walk_nodes * job.options.epochs) /
                      (st.count_seconds + st.train_seconds);
    }
  } else {
    const bool cancelled = result.status().code() == absl::StatusCode::kCancelled;
    progress->set_state(cancelled ? v1::JOB_STATE_CANCELLED
                                  : v1::JOB_STATE_FAILED);
    if (!cancelled) {
      progress->set_error(std::string(result.status().message()));
      job.failure = result.status().code();
    }
    job.memory.Release();
    out.set_memory_bytes(0);
  }
  job.Touch();
  Log(LogLevel::kInfo, "job_finished",
      {{"job_id", job.id},
       {"outcome", JobStateName(progress->state())},
       {"seconds", seconds},
       {"counting_seconds", out.counting_seconds()},
       {"training_seconds", out.training_seconds()},
       {"nodes", out.nodes()},
       {"loss", progress->loss()},
       {"error", progress->error()}});
  lock.unlock();
  if (measured_rate > 0) {
    std::lock_guard<std::mutex> manager_lock(mu_);
    nodes_per_second_ = measured_rate;
  }
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
