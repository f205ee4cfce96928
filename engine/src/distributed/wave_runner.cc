// WaveRunner: a walker's steps here, the exchanges of a round, and the
// answers to other ranks' arc tests.
#include "distributed/wave_runner.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "internal/parallel.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// Walkers a task advances in a round.
constexpr size_t kWalkersPerTask = 256;

}  // namespace

Fragment WaveRunner::Record(const WalkerState& s, uint32_t position,
                            NodeIndex v) const {
  const uint32_t row = graph_.row_of(v);
  if (annotations_.counts != nullptr) {
    std::atomic_ref<uint64_t>((*annotations_.counts)[row])
        .fetch_add(1, std::memory_order_relaxed);
  }
  const float keep = annotations_.keep.empty() ? 1.0f : annotations_.keep[row];
  return Fragment{s.home_index, position, graph_.local().original_id(v), row, keep};
}

Outcome WaveRunner::Advance(Resident& r, std::vector<Fragment>& taken,
                            uint64_t& steps) const {
  const bool keep = annotations_.assemble;
  const CsrGraph& g = graph_.local();
  const uint32_t walk_length = walker_.params().walk_length;
  WalkerState& s = r.state;
  NodeIndex v = *g.ids().Find(s.cur);
  if (s.arrived) {
    const Fragment f = Record(s, s.length - 1, v);
    if (keep) taken.push_back(f);
    ++steps;
    s.arrived = 0;
  }
  Rng rng = Rng::FromState(s.rng);
  Outcome outcome = Outcome::kDone;
  // The previous node in this graph: looked up once, then the node left.
  NodeIndex t = kNoNode;
  if (s.length >= 2) {
    if (auto found = g.ids().Find(s.prev)) t = *found;
  }
  while (s.length < walk_length) {
    const bool has_previous = s.length >= 2;
    const bool arcs_of_t_here = t != kNoNode && graph_.owns(t);
    NodeIndex next = kNoNode;
    auto result = r.resume
                      ? walker_.ResumeStep(r.answer, arcs_of_t_here, rng, &r.step, &next)
                      : walker_.BeginStep(t, v, has_previous, arcs_of_t_here, rng,
                                          &r.step, &next);
    r.resume = false;
    if (result == Node2VecWalker::StepResult::kEnded) break;
    if (result == Node2VecWalker::StepResult::kNeedsArcTest) {
      outcome = Outcome::kWait;
      break;
    }
    s.prev = s.cur;
    s.cur = g.original_id(next);
    ++s.length;
    if (!graph_.owns(next)) {
      // Its owner records it: even a walk's last node migrates.
      s.arrived = 1;
      outcome = Outcome::kMigrate;
      break;
    }
    const Fragment f = Record(s, s.length - 1, next);
    if (keep) taken.push_back(f);
    ++steps;
    t = v;
    v = next;
  }
  s.rng = rng.state();
  return outcome;
}

absl::Status WaveRunner::Run(std::vector<Resident> residents) {
  while (true) {
    const size_t tasks = (residents.size() + kWalkersPerTask - 1) / kWalkersPerTask;
    RoundResults results;
    results.outcomes.resize(residents.size());
    results.taken.assign(tasks, std::vector<std::vector<Fragment>>(comm_.size()));
    results.steps.assign(tasks, 0);
    internal::RunInArena(threads_, [&] {
      tbb::parallel_for(size_t{0}, tasks, [&](size_t task) {
        const size_t end = std::min(residents.size(), (task + 1) * kWalkersPerTask);
        for (size_t i = task * kWalkersPerTask; i < end; ++i) {
          Resident& r = residents[i];
          results.outcomes[i] =
              Advance(r, results.taken[task][r.state.home_rank], results.steps[task]);
        }
      });
    });
    N2V_ASSIGN_OR_RETURN(residents, Exchange(residents, results));
    ++stats_->rounds;
    std::vector<uint64_t> left = {residents.size()};
    N2V_RETURN_IF_ERROR(comm_.SumAll(std::span<uint64_t>(left)));
    if (left[0] == 0) return absl::OkStatus();
  }
}

absl::StatusOr<std::vector<Resident>> WaveRunner::Exchange(
    std::vector<Resident>& residents, RoundResults& results) {
  const int ranks = comm_.size();
  // Per destination: walkers, then queries, each section led by its count.
  std::vector<std::string> walkers(ranks), queries(ranks);
  std::vector<Resident> waiting;
  for (size_t task = 0; task < results.taken.size(); ++task) {
    stats_->steps += results.steps[task];
    for (int home = 0; home < ranks; ++home) {
      const std::vector<Fragment>& taken = results.taken[task][home];
      fragments_[home].append(reinterpret_cast<const char*>(taken.data()),
                              taken.size() * sizeof(Fragment));
    }
  }
  for (size_t i = 0; i < residents.size(); ++i) {
    Resident& r = residents[i];
    if (results.outcomes[i] == Outcome::kMigrate) {
      AppendPod(walkers[graph_.owner(r.state.cur)], r.state);
      ++stats_->migrations;
    } else if (results.outcomes[i] == Outcome::kWait) {
      const auto slot = static_cast<uint32_t>(waiting.size());
      AppendPod(queries[graph_.owner(r.state.prev)],
                Query{slot, 0, r.state.prev,
                      graph_.local().original_id(r.step.proposal)});
      ++stats_->arc_queries;
      waiting.push_back(std::move(r));
    }
  }
  std::vector<std::string> out(ranks), in;
  for (int d = 0; d < ranks; ++d) {
    AppendPod(out[d], static_cast<uint64_t>(walkers[d].size()));
    out[d] += walkers[d];
    out[d] += queries[d];
  }
  N2V_RETURN_IF_ERROR(comm_.AllToAll(out, &in));
  std::vector<Resident> next;
  for (const std::string& bytes : in) {
    uint64_t walker_bytes = 0;
    std::memcpy(&walker_bytes, bytes.data(), sizeof walker_bytes);
    for (const WalkerState& s : ReadPods<WalkerState>(
             std::string_view(bytes).substr(sizeof walker_bytes, walker_bytes))) {
      Resident r;
      r.state = s;
      next.push_back(std::move(r));
    }
  }
  N2V_RETURN_IF_ERROR(AnswerQueries(in, waiting, next));
  return next;
}

absl::Status WaveRunner::AnswerQueries(const std::vector<std::string>& in,
                                       std::vector<Resident>& waiting,
                                       std::vector<Resident>& next) {
  const CsrGraph& g = graph_.local();
  std::vector<std::string> answers(comm_.size()), back;
  for (int from = 0; from < comm_.size(); ++from) {
    const std::string_view bytes = in[from];
    uint64_t walker_bytes = 0;
    std::memcpy(&walker_bytes, bytes.data(), sizeof walker_bytes);
    for (const Query& q : ReadPods<Query>(bytes.substr(sizeof walker_bytes + walker_bytes))) {
      const auto t = g.ids().Find(q.t);
      const auto x = g.ids().Find(q.x);
      const bool arc = t && x && graph_.owns(*t) && g.HasArc(*t, *x);
      AppendPod(answers[from], Answer{q.slot, arc ? 1u : 0u});
    }
  }
  N2V_RETURN_IF_ERROR(comm_.AllToAll(answers, &back));
  for (const std::string& bytes : back) {
    for (const Answer& a : ReadPods<Answer>(bytes)) {
      Resident& r = waiting[a.slot];
      r.resume = true;
      r.answer = a.arc != 0;
      next.push_back(std::move(r));
    }
  }
  return absl::OkStatus();
}

}  // namespace n2v::distributed
